"""No admin changelist lets staff without members.reveal_phone tell a right guess of personal data from a
wrong one (found by a guide when guides read the admin; they are kept out of it since issue 17).

The walk covers every registered ModelAdmin, every field that holds personal data (this file's
own list, not the product's) and every relation path of up to two hops to it, with exact,
prefix, regex, contains and range lookups and with sorting by each column.
"""

import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, SuspiciousOperation
from django.db import DatabaseError, transaction
from django.test import RequestFactory
from django.urls import reverse

from core.roles import OPERATOR, sync_role_permissions
from loyalty.models import LedgerEntry, PointsAccountType, RoleType
from loyalty.services import adjust, open_account
from members.models import (
    AttributeDefinition,
    BlockedValue,
    ConsentRecord,
    Identity,
    ImportBatch,
    ImportRowError,
    Member,
    MergeCandidate,
    MergeRecord,
    Order,
    SourceProfile,
)
from members.services import merge_members
from tests.conftest import at, login
from tests.masked_viewer import MEMBER_READS, masked_viewer

pytestmark = pytest.mark.django_db

# Personal data, and free text that can carry it, as this test sees it.
PII = {
    Member: {"name", "mobile", "email", "address", "birthday", "attributes"},
    SourceProfile: {"external_id", "name", "mobile", "email", "address", "birthday", "raw", "attributes"},
    Identity: {"value"},
    MergeRecord: {"identifier_value", "reason", "survivor_before", "absorbed_before"},
    MergeCandidate: {"reasons"},
    BlockedValue: {"value", "reason"},
    ImportRowError: {"value"},
    LedgerEntry: {"reason"},
}
SKIPPED_MODELS = {"auth.user", "auth.group", "auth.permission", "contenttypes.contenttype"}


@pytest.fixture
def people(person, admin_user):
    """Two of every row that holds personal data, with different values."""
    sync_role_permissions()
    AttributeDefinition.objects.create(key="note", label="备注", type="text")
    members = [
        person(channel="tmall", external_id=f"mobile:+86139{n}2345678", name=name, mobile=f"139{n}2345678",
               email=f"{mail}@example.com", address=f"上海市{name}路{n}号", birthday=f"199{n}-0{n}-1{n}",
               identifiers={"tmall_nick": f"nick_{mail}"}, attributes={"note": f"备用 137{n}0000000"}).member
        for n, name, mail in ((1, "王丽", "lili"), (6, "赵强", "qiang"))
    ]
    absorbed = person(channel="pos", external_id="card-9", name="王丽", mobile="13512345678").member
    merge_members(survivor_id=members[0].pk, absorbed_id=absorbed.pk, rule="manual", actor=admin_user,
                  reason="顾客致电 13512345678 确认")
    for a, b, reason in ((members[0], members[1], "手机号 13912345678"), (members[1], absorbed, "姓名 赵强")):
        MergeCandidate.objects.create(member_a=a, member_b=b, source="fuzzy", score=0.5, reasons=[reason])
    for n, member in enumerate(members):
        profile = member.source_profiles.first()
        Order.objects.create(channel="tmall", external_no=f"T{n}", member=member, source_profile=profile,
                             status="paid", ordered_at=at("2026-03-01"))
        ConsentRecord.objects.create(member=member, channel="sms", status="granted", source="门店",
                                     recorded_at=at("2026-03-01"))
        BlockedValue.objects.create(kind="mobile", value=f"+86138{n}0000000", reason=f"门店电话 138{n}0000000")
    batch = ImportBatch.objects.create(kind="members", format="generic", file_name="a.csv", file_sha256="0" * 64)
    for n in (1, 6):
        ImportRowError.objects.create(batch=batch, row_number=n, column="手机", value=f"13{n}9999999x", reason="无效")
    account_type = PointsAccountType.objects.create(code="pts", name="积分")
    consumer = RoleType.objects.get(code="consumer")
    account_type.role_types.add(consumer)
    for n, member in enumerate(members):
        account = open_account(member=member, role_type=consumer, account_type=account_type)
        adjust(account=account, points=10, reason=f"礼品寄至 139{n}1112222", idempotency_key=f"k{n}")
    return members


# ---------------------------------------------------------------- the walk


def pii_paths(model, hops=2, prefix="", came_from=None):
    """(lookup path, field) for every personal-data field within `hops` relations of model."""
    for field in model._meta.get_fields():
        if field.name in PII.get(model, ()):
            yield prefix + field.name, field
        if hops and field.is_relation and field.related_model and field.remote_field is not came_from:
            related = field.related_model
            if related._meta.label_lower in SKIPPED_MODELS:
                continue
            if field.auto_created and not field.concrete:  # a reverse relation: filtered by its query name
                if field.hidden:
                    continue
                name = field.field.related_query_name()
            else:
                name = field.name
            yield from pii_paths(related, hops - 1, f"{prefix}{name}__", came_from=field)


def a_value(model, path, field):
    """A value some row reached from `model` has at `path`, as (path, value): JSON goes one key deeper."""
    values = model._default_manager.exclude(**{f"{path}__isnull": True}).values_list(path, flat=True)
    for value in values:
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, str) and inner:
                    return f"{path}__{key}", inner
        elif isinstance(value, list) and value and isinstance(value[0], str):
            return f"{path}__0", value[0]
        elif value not in (None, "", {}, []):
            return path, value
    return None


def wrong(value):
    if isinstance(value, datetime.date):
        return value + datetime.timedelta(days=1)
    text = str(value)
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def guesses(path, value):
    """(right, wrong) query-string pairs for one path: exact, prefix, regex, contains and range probes."""
    if isinstance(value, datetime.date):
        return [
            ({path: value.isoformat()}, {path: wrong(value).isoformat()}),
            ({f"{path}__year": str(value.year)}, {f"{path}__year": str(value.year + 1)}),
            ({f"{path}__gte": value.isoformat()}, {f"{path}__gt": value.isoformat()}),
            ({f"{path}__lte": value.isoformat()}, {f"{path}__lt": value.isoformat()}),
        ]
    text = str(value)
    head = text[: max(1, len(text) // 2)]
    middle = text[len(text) // 3: max(len(text) // 3 + 1, 2 * len(text) // 3)]
    return [
        ({path: text}, {path: wrong(text)}),
        ({f"{path}__startswith": head}, {f"{path}__startswith": wrong(head)}),
        ({f"{path}__istartswith": head}, {f"{path}__istartswith": wrong(head)}),
        ({f"{path}__regex": "^" + re.escape(head)}, {f"{path}__regex": "^" + re.escape(wrong(head))}),
        ({f"{path}__contains": middle}, {f"{path}__contains": wrong(middle)}),
        ({f"{path}__icontains": middle}, {f"{path}__icontains": wrong(middle)}),
        ({f"{path}__gte": text}, {f"{path}__gt": text}),
        ({f"{path}__lte": text}, {f"{path}__lt": text}),
        ({f"{path}__in": text}, {f"{path}__in": wrong(text)}),
    ]


def changelist_answer(model_admin, user, params):
    """What the changelist shows for these query parameters: refused, or the rows in order."""
    request = RequestFactory().get("/", params)
    request.user = user
    try:
        with transaction.atomic():  # a lookup the database cannot run must not end the test's transaction
            response = model_admin.changelist_view(request)
            if response.status_code == 200:
                rows = [row.pk for row in response.context_data["cl"].result_list]
    except (SuspiciousOperation, PermissionDenied) as refused:
        return type(refused).__name__
    except (IncorrectLookupParameters, DatabaseError):
        return "invalid"
    if response.status_code != 200:
        return (response.status_code, response.get("Location"))
    return rows


def column_sorts_by_pii(model_admin, column) -> bool:
    model = model_admin.model
    try:
        order_by = model._meta.get_field(column).name
    except (FieldDoesNotExist, TypeError):
        attr = column if callable(column) else getattr(model_admin, column, getattr(model, column, None))
        order_by = getattr(attr, "admin_order_field", None)
    if not isinstance(order_by, str):
        return False
    model = model_admin.model
    for part in order_by.lstrip("-").split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.name in PII.get(model, ()):
            return True
        model = field.related_model
        if model is None:
            return False
    return False


def distinguishing_probes(user, models=None):
    """Every probe whose right and wrong guess give different answers (none for staff who may not see phones)."""
    found, walked = [], 0
    for model, model_admin in admin.site._registry.items():
        if models and model not in models:
            continue
        for path, field in pii_paths(model):
            known = a_value(model, path, field)
            if known is None:
                continue
            for right, wrong_guess in guesses(*known):
                walked += 1
                if changelist_answer(model_admin, user, right) != changelist_answer(model_admin, user, wrong_guess):
                    found.append((model.__name__, right))
        for index, column in enumerate(model_admin.list_display):
            if column_sorts_by_pii(model_admin, column):
                walked += 1
                if changelist_answer(model_admin, user, {"o": f"{index}"}) != changelist_answer(
                        model_admin, user, {"o": f"-{index}"}):
                    found.append((model.__name__, {"o": index}))
    return found, walked


# ---------------------------------------------------------------- tests


def test_no_admin_filter_or_sort_tells_a_member_reader_a_right_guess_from_a_wrong_one(client, people):
    # given staff who read members, their orders, points and tags (not phones), and two of every row holding
    # personal data
    reader = masked_viewer(client, *MEMBER_READS, "loyalty.view_*", "tagging.view_*")

    # when every admin is probed with right and wrong guesses of every personal-data field
    found, walked = distinguishing_probes(reader)

    # then no probe gives a different answer for the right guess
    assert walked > 500  # the walk reached the data (guard against a vacuous pass)
    assert found == []


def test_the_same_probes_do_tell_an_operator_who_may_see_phones(client, people):
    # given an operator (members.reveal_phone): filters are theirs to use
    operator = login(client, "operator", group=OPERATOR)

    found, _ = distinguishing_probes(operator, models={Member})

    # then the walk does detect filters and sorts that tell (so the reader's empty result means something)
    probed = {(name, next(iter(params))) for name, params in found}
    assert ("Member", "mobile__startswith") in probed
    assert ("Member", "o") in probed
    assert ("Member", "mobile__regex") in probed
    assert ("Member", "birthday__gte") in probed


def test_the_reported_digit_by_digit_probe_is_refused_with_400(client, people):
    # given a member reader guessing the first digits of a member's mobile (the reported attack)
    masked_viewer(client, *MEMBER_READS)
    url = reverse("admin:members_member_changelist")
    code = people[0].code

    # when the guess is sent as a changelist filter; then the admin refuses it
    for guess in ("+86139", "+86138"):
        response = client.get(url, {"code": code, "mobile__startswith": guess})
        assert response.status_code == 400


def test_a_member_reader_keeps_the_filters_the_admin_offers_and_links_by_id(client, people):
    masked_viewer(client, *MEMBER_READS)

    by_status = client.get(reverse("admin:members_member_changelist"), {"status__exact": "active"})
    by_member = client.get(reverse("admin:members_order_changelist"), {"member__id__exact": people[0].pk})
    by_year = client.get(reverse("admin:members_order_changelist"), {"ordered_at__year": "2026"})

    assert by_status.status_code == 200
    assert [o.member_id for o in by_member.context["cl"].result_list] == [people[0].pk]
    assert by_year.status_code == 200


def test_a_member_reader_finds_a_member_by_the_full_mobile_but_not_by_part_of_it(client, people):
    masked_viewer(client, *MEMBER_READS)
    url = reverse("admin:members_member_changelist")

    def found(term):
        return [m.pk for m in client.get(url, {"q": term}).context["cl"].result_list]

    assert found("139 1234 5678") == [people[0].pk]
    assert found("+8613912345678") == [people[0].pk]
    assert found("1391234") == []
    assert found("5678") == []


def test_no_filter_or_sort_tells_staff_who_may_view_every_admin_but_not_see_phones(client, people):
    # given staff who may open every changelist (every view_* permission) but not members.reveal_phone,
    # so the walk reaches each admin's rows instead of stopping at a 403
    viewer = login(client, "viewer")
    viewer.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    viewer = type(viewer).objects.get(pk=viewer.pk)  # fresh permission cache
    assert not viewer.has_perm("members.reveal_phone")
    opened = {model: changelist_answer(model_admin, viewer, {}) for model, model_admin in admin.site._registry.items()}
    assert [model for model, answer in opened.items() if not isinstance(answer, list)] == []

    # when every admin is probed with right and wrong guesses of every personal-data field
    found, walked = distinguishing_probes(viewer)

    # then none tells them apart
    assert walked > 500
    assert found == []
