"""Level admin: the threshold page previews before it saves; manual levels need a reason; the member
page shows every role's level."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from core.roles import ADMIN, OPERATOR
from loyalty.levels.services import evaluate_upgrades, member_level_for
from loyalty.models import Level, LevelChange, LevelChangeKind, LevelScheme, MemberLevel, PointsAccountType
from loyalty.services import earn, open_account, open_role
from tests.conftest import at


@pytest.fixture
def scheme(db, consumer):
    LevelScheme.objects.filter(code="consumer").update(metric="lifetime_earned")
    return LevelScheme.objects.get(code="consumer")


def staff(role):
    user = User.objects.create_user(username=f"s-{role}", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def gold_member(member, consumer, points=6000):
    person = member()
    growth = PointsAccountType.objects.get(code="growth")
    account = open_account(member=person, role_type=consumer, account_type=growth)
    earn(account=account, points=points, occurred_at=at("2026-03-01"), idempotency_key="g", now=at("2026-03-01"))
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-03-02"))
    return person


def test_previewing_thresholds_shows_who_moves_and_saves_nothing(client, scheme, member, consumer):
    # Given a member at 金卡 (6000 growth) and an admin on the threshold page
    person = gold_member(member, consumer)
    client.force_login(staff(ADMIN))
    levels = list(Level.objects.filter(scheme=scheme).order_by("rank"))
    data = {f"up_{lv.pk}": str(lv.upgrade_threshold) for lv in levels}
    data.update({f"keep_{lv.pk}": str(lv.retain_threshold) for lv in levels})
    gold = next(lv for lv in levels if lv.code == "gold")
    data[f"up_{gold.pk}"], data[f"keep_{gold.pk}"] = "7000", "6500"

    # When they preview 金卡 at 7000 / retain 6500
    response = client.post(f"/admin/loyalty/levelscheme/{scheme.pk}/thresholds/", {**data, "_preview": "1"})

    # Then the page says one member would go down at review, names them, and nothing was saved
    body = response.content.decode()
    assert response.status_code == 200
    assert "下次考核降级：<strong>1</strong>" in body and person.code in body
    assert Level.objects.get(pk=gold.pk).upgrade_threshold == Decimal("5000")

    # And saving writes the thresholds
    response = client.post(f"/admin/loyalty/levelscheme/{scheme.pk}/thresholds/", {**data, "_save": "1"})
    assert response.status_code == 302
    assert Level.objects.get(pk=gold.pk).upgrade_threshold == Decimal("7000")


def test_a_retain_threshold_above_the_upgrade_threshold_is_refused_with_the_level_named(client, scheme):
    client.force_login(staff(ADMIN))
    levels = list(Level.objects.filter(scheme=scheme).order_by("rank"))
    data = {f"up_{lv.pk}": str(lv.upgrade_threshold) for lv in levels}
    data.update({f"keep_{lv.pk}": str(lv.retain_threshold) for lv in levels})
    silver = next(lv for lv in levels if lv.code == "silver")
    data[f"keep_{silver.pk}"] = "99999"

    response = client.post(f"/admin/loyalty/levelscheme/{scheme.pk}/thresholds/", {**data, "_save": "1"})

    assert response.status_code == 200
    assert "「银卡」的保级门槛不能高于升级门槛" in response.content.decode()


def test_a_reader_of_level_schemes_cannot_open_the_threshold_page(client, scheme):
    client.force_login(staff(OPERATOR))  # loyalty.view_*, not loyalty.change_levelscheme
    response = client.get(f"/admin/loyalty/levelscheme/{scheme.pk}/thresholds/")
    assert response.status_code == 403


def test_the_manual_level_action_requires_a_reason_then_records_it(client, scheme, member, consumer):
    # Given a member level and an admin
    role = open_role(member=member(), role_type=consumer)
    row = member_level_for(member_role=role, scheme=scheme)
    client.force_login(staff(ADMIN))
    gold = Level.objects.get(scheme=scheme, code="gold")
    base = {"action": "set_level", "_selected_action": [row.pk], "apply": "1", "level": gold.pk}

    # When they apply the action without a reason, then it asks for one and changes nothing
    response = client.post("/admin/loyalty/memberlevel/", {**base, "reason": ""})
    assert "请填写原因" in response.content.decode()
    assert MemberLevel.objects.get(pk=row.pk).level.code == "normal"

    # And with a reason the level is set, as a floor, with the reason in the history
    client.post("/admin/loyalty/memberlevel/", {**base, "reason": "门店活动补偿", "until": "2027-01-31"})
    row = MemberLevel.objects.get(pk=row.pk)
    assert (row.level, row.floor_level, str(row.floor_until)) == (gold, gold, "2027-01-31")
    assert "门店活动补偿" in LevelChange.objects.get(member_level=row, kind=LevelChangeKind.MANUAL).rule


def test_a_member_level_page_is_read_only_even_for_an_admin(client, scheme, member, consumer):
    # Given a member level and an admin
    row = member_level_for(member_role=open_role(member=member(), role_type=consumer), scheme=scheme)
    client.force_login(staff(ADMIN))
    url = f"/admin/loyalty/memberlevel/{row.pk}/change/"

    # When they open its page and post it back
    page = client.get(url)
    posted = client.post(url, {"_save": "1"})

    # Then the page shows the row without a save button, and the post is refused and changes nothing
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    assert MemberLevel.objects.get(pk=row.pk).updated_at == row.updated_at


def test_the_member_page_shows_each_role_level_since_when_and_why(client, scheme, member, consumer):
    person = gold_member(member, consumer)
    client.force_login(staff(ADMIN))

    body = client.get(f"/admin/members/member/{person.pk}/change/").content.decode()

    assert "各角色等级" in body and "金卡" in body and "升级" in body


def test_the_api_gives_a_member_s_levels_and_benefits(client, scheme, member, consumer):
    # Given a 金卡 member and an operator
    person = gold_member(member, consumer)
    client.force_login(staff(OPERATOR))

    # When the API is asked for their levels
    body = client.get(f"/api/loyalty/levels/{person.code}/").json()

    # Then it lists the consumer level and the benefits 金卡 grants
    assert [(lv["scheme"], lv["level"]) for lv in body["levels"]] == [("consumer", "gold")]
    assert {"discount_90", "points_x1_2", "free_shipping"} <= {b["code"] for b in body["benefits"]}


def test_the_levels_api_needs_a_signed_in_caller(client, member):
    assert client.get(f"/api/loyalty/levels/{member().code}/").status_code in (401, 403)
