"""seed_demo: realistic, deterministic demo data that goes through identity resolution."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from members import cleaning
from members.demo.people import generate_people
from members.demo.seeding import Progress, SeedSummary, _resolve_people
from members.models import (
    ConsentRecord,
    Identity,
    Member,
    MemberStatus,
    MergeRecord,
    Order,
    OrderLine,
    SourceProfile,
    Store,
)

TODAY = "2026-01-15"
MODELS = (Store, Member, SourceProfile, Identity, MergeRecord, Order, OrderLine, ConsentRecord)


def seed(members=30, seed=42, today=TODAY) -> str:
    out = StringIO()
    call_command("seed_demo", f"--members={members}", f"--seed={seed}", f"--today={today}", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def fingerprint() -> dict:
    """What the seeded data says, with member codes made relative (a PostgreSQL sequence never rolls back)."""
    base = min(int(code[1:]) for code in Member.objects.values_list("code", flat=True))

    def rel(code):
        return int(code[1:]) - base

    return {
        "members": sorted(
            (rel(m.code), m.status, m.name, m.mobile, m.mobile_masked, m.email, m.birthday, m.city)
            for m in Member.objects.all()
        ),
        "orders": sorted(
            (o.channel, o.external_no, rel(o.member.code), o.status, o.paid_amount, o.refunded_amount, o.ordered_at)
            for o in Order.objects.select_related("member")
        ),
        "lines": OrderLine.objects.count(),
        "merges": sorted((rel(r.survivor.code), rel(r.absorbed.code)) for r in MergeRecord.objects.select_related()),
        "consents": sorted(
            (rel(c.member.code), c.status, c.source, c.recorded_at) for c in ConsentRecord.objects.select_related()
        ),
    }


def seeded_fingerprint(**options) -> dict:
    """Seed inside a savepoint, read, roll back: every call starts from the same empty database."""
    with transaction.atomic():
        seed(**options)
        data = fingerprint()
        transaction.set_rollback(True)
    return data


@pytest.mark.django_db
def test_seeding_creates_members_orders_and_merges_through_resolution():
    # given an empty database
    # when 30 demo people are seeded
    seed(members=30)

    # then there are stores, people, their orders with lines, and people whose channel accounts were merged
    assert Store.objects.count() == 12
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() >= 30
    assert Order.objects.exists() and OrderLine.objects.exists()
    assert MergeRecord.objects.filter(actor_label="seed_demo").exists()
    assert SourceProfile.objects.values("member").distinct().count() < SourceProfile.objects.count()


@pytest.mark.django_db
def test_every_order_belongs_to_the_active_person_of_the_account_that_placed_it():
    seed(members=30)

    assert not Order.objects.filter(member__isnull=True).exists()
    assert not Order.objects.exclude(member__status=MemberStatus.ACTIVE).exists()
    assert not Order.objects.exclude(member_id=F("source_profile__member_id")).exists()
    assert not Order.objects.filter(channel="pos", store__isnull=True).exists()


@pytest.mark.django_db
def test_same_seed_and_today_give_identical_data():
    first = seeded_fingerprint(members=30, seed=7)

    second = seeded_fingerprint(members=30, seed=7)

    assert first == second
    assert len(first["members"]) >= 30 and first["orders"]


@pytest.mark.django_db
def test_a_different_seed_gives_different_people():
    first = seeded_fingerprint(members=30, seed=1)

    second = seeded_fingerprint(members=30, seed=2)

    assert _names(first) != _names(second)
    assert not _mobiles(first) & _mobiles(second)


def _names(data) -> set[str]:
    return {member[2] for member in data["members"]}


def _mobiles(data) -> set[str]:
    return {member[3] for member in data["members"]} - {""}


@pytest.mark.django_db
def test_channel_quirks_arrive_raw_and_leave_clean():
    # when people are seeded
    seed(members=30)

    # then channels sent masked phones, aliases and spaced names, and the members hold clean values
    raw = [p.raw for p in SourceProfile.objects.all()]
    assert any("****" in r.get("mobile", "") for r in raw)
    assert any(" " in r.get("name", "").strip() or "\u3000" in r.get("name", "") for r in raw)
    assert any(r.get("province") and not r["province"].endswith(("省", "市", "自治区")) for r in raw)
    active = Member.objects.filter(status=MemberStatus.ACTIVE)
    assert not active.filter(name__contains=" ").exists()
    assert all(m.mobile.startswith("+861") for m in active.exclude(mobile=""))
    assert all(p.endswith(("省", "市", "自治区")) for p in active.exclude(province="").values_list("province", flat=True))


@pytest.mark.django_db
def test_rerunning_with_the_same_seed_adds_nothing_even_on_another_day():
    # given a seeded database
    seed(members=30, today=TODAY)
    before = counts()

    # when the same seed runs again, the next day
    output = seed(members=30, today="2026-01-16")

    # then no row is added and the summary says so
    assert counts() == before
    assert "members created            0" in output
    assert "orders already present" in output


@pytest.mark.django_db
def test_summary_and_progress_lines_are_printed():
    output = seed(members=20)

    assert "会员 members: 100% (20/20)" in output
    for label in ("members created", "channel accounts created", "merges", "orders created", "order lines created"):
        assert label in output


@pytest.mark.django_db
def test_people_sharing_name_and_city_stay_two_members():
    # given the first pair of different people who share name and city
    people = generate_people(42, 200, date.fromisoformat(TODAY))
    twin = next(p for p in people if p.twin_of is not None)
    original = people[twin.twin_of]
    assert (twin.name, twin.city) == (original.name, original.city)

    # when both are resolved
    profiles = _resolve_people([original, twin], SeedSummary(), progress=Progress, chunk_size=200)

    # then no channel account of one ends up on the same member as an account of the other
    def members_of(person):
        return set(SourceProfile.objects.filter(pk__in=[profiles[id(a)] for a in person.accounts])
                   .values_list("member_id", flat=True))

    assert members_of(original).isdisjoint(members_of(twin))


def test_generated_mobiles_are_valid_and_unique():
    people = generate_people(42, 300, date.fromisoformat(TODAY))

    mobiles = [m for p in people for m in (p.mobile, p.second_mobile) if m]

    assert all(cleaning.normalize_mobile(m).status == "ok" for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)


def test_generation_does_not_depend_on_how_many_people_are_asked_for():
    few = generate_people(42, 10, date.fromisoformat(TODAY))
    many = generate_people(42, 40, date.fromisoformat(TODAY))

    assert [(p.name, p.mobile, p.email) for p in few] == [(p.name, p.mobile, p.email) for p in many[:10]]
