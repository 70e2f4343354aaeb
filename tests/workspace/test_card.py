"""The member card as a page and as JSON: every section, the address to district level only, the
mobile masked unless the reader may see it, the query budget (≤ 12), and the audited phone reveal."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.workspace.card_helpers import RICH_MOBILE, RICH_STREET, rich_member
from tests.workspace.conftest import buy
from workspace.models import ActionKind, StaffAction
from workspace.services import write_follow_up

pytestmark = pytest.mark.django_db

SECTIONS = ("profile", "levels", "points", "habits", "tags", "values", "portrait", "timeline")
MASKED = RICH_MOBILE[:3] + "****" + RICH_MOBILE[-4:]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card_page(client, member):
    return client.get(f"/workspace/m/{member.code}/")


def card_json(client, member):
    return client.get(f"/api/workspace/members/{member.code}/card/")


@pytest.fixture
def rich(world, customer):
    return rich_member(world, customer, now=timezone.now())


def test_the_card_page_of_a_rich_member_shows_every_section(world, rich):
    # Given a member with levels, points, habits, tags, model results and timeline rows of every kind
    # When her guide opens the card
    response = card_page(signed_in(world.guide_a), rich.member)

    # Then each section is on the page
    assert response.status_code == 200
    html = response.content.decode()
    assert "王芳" in html and "静安店" in html                       # profile
    assert "角色与等级" in html and "银卡" in html and "再消费 ¥380 升级金卡" in html   # levels
    assert "积分 1280" in html and f"200 将于 {rich.expiring_on:%Y-%m-%d} 过期" in html  # points
    assert "客单价 ¥310.00" in html and "偏好护肤（86%）" in html    # habits (figures and in words)
    assert "爱护肤" in html and "VIP 活动" in html                   # tags
    assert "客户价值" in html and "重要价值客户" in html               # values
    assert "文字画像" in html and "32 岁女士，上海静安。" in html        # portrait
    assert "时间线" in html and "修护精华 30ml×1" in html and "电话跟进" in html  # timeline


def test_the_card_api_of_a_rich_member_has_every_section(world, rich):
    # Given the same rich member
    # When the card is read through the API
    response = card_json(signed_in(world.guide_a), rich.member)

    # Then every section is a key of the JSON, each with content
    assert response.status_code == 200
    card = response.json()
    for key in SECTIONS:
        assert card.get(key), key
    assert card["levels"][0]["next"]["text"] == "再消费 ¥380 升级金卡"
    assert card["points"][0]["expiring"] == [{"on": rich.expiring_on.isoformat(), "points": 200}]
    assert card["habits"]["top_category"]["name"] == "护肤"
    assert {t["name"] for t in card["tags"]} == {"爱护肤", "VIP 活动"}
    assert card["values"][0]["tier_name"] == "重要价值客户"
    assert card["portrait"]["sentences"][0]["text"] == "32 岁女士，上海静安。"
    assert {e["kind"] for e in card["timeline"]["entries"]} == {
        "order", "points", "level", "tag", "consent", "follow_up", "staff_action"}


def test_the_address_stops_at_the_district(world, rich):
    # Given a member whose street address is on file
    client = signed_in(world.guide_a)

    # When the card is read as a page and as JSON
    html = card_page(client, rich.member).content.decode()
    data = card_json(client, rich.member)

    # Then the district is shown and the street address is nowhere
    assert "静安区" in html and data.json()["profile"]["district"] == "静安区"
    for text in (html, data.content.decode()):
        assert RICH_STREET not in text and "南京西路" not in text and "1266" not in text


def test_a_guide_sees_the_mobile_masked_on_the_page_and_in_the_json(world, rich):
    client = signed_in(world.guide_a)

    html = card_page(client, rich.member).content.decode()
    data = card_json(client, rich.member)

    assert MASKED in html and RICH_MOBILE not in html
    assert data.json()["profile"]["mobile"] == MASKED and data.json()["profile"]["mobile_masked"] is True
    assert RICH_MOBILE not in data.content.decode()


def test_a_holder_of_reveal_phone_also_reads_it_masked_until_they_reveal_it(world, rich):
    # Given an operator (members.reveal_phone)
    client = signed_in(world.operator)

    # When they open the card (page and API)
    html = card_page(client, rich.member).content.decode()
    data = card_json(client, rich.member).json()

    # Then the number is masked like for everyone, and the page offers the audited reveal
    assert MASKED in html and RICH_MOBILE not in html and "显示完整号码" in html
    assert data["profile"]["mobile"] == MASKED and RICH_MOBILE not in str(data)


def test_the_card_page_takes_at_most_12_queries(world, rich, django_assert_max_num_queries):
    client = signed_in(world.guide_a)

    with django_assert_max_num_queries(12):
        response = card_page(client, rich.member)

    assert response.status_code == 200


def test_the_card_api_takes_at_most_12_queries(world, rich, django_assert_max_num_queries):
    client = signed_in(world.guide_a)

    with django_assert_max_num_queries(12):
        response = card_json(client, rich.member)

    assert response.status_code == 200


def test_the_query_count_does_not_grow_with_the_member_s_rows(world, customer, rich, django_assert_max_num_queries):
    # Given the rich member with many more rows of each kind on her timeline
    for n in range(15):
        buy(rich.member, store=world.store_a, paid="10.00", when="2026-06-01",
            lines=[(f"小样 {n}", "护肤", 1, "10.00"), ("袋子", "", 1, "0")])
        write_follow_up(member=rich.member, author=world.guide_a, kind="wechat", text=f"第 {n} 次微信跟进")
    client = signed_in(world.guide_a)

    # When the card is read, the budget still holds
    with django_assert_max_num_queries(12):
        assert card_page(client, rich.member).status_code == 200
    with django_assert_max_num_queries(12):
        assert card_json(client, rich.member).status_code == 200


def test_a_reveal_with_a_reason_shows_the_full_number_and_is_audited(world, rich):
    # Given an operator (who holds members.reveal_phone)
    client = signed_in(world.operator)

    # When they ask for the full number with a reason
    response = client.post(f"/workspace/m/{rich.member.code}/reveal/", {"reason": "顾客来电核对订单"})

    # Then the page shows it, marked as recorded, and the reveal is one audit row with who and why
    assert response.status_code == 200
    html = response.content.decode()
    assert RICH_MOBILE in html and "（已记录查看）" in html
    action = StaffAction.objects.get(kind=ActionKind.REVEAL_PHONE)
    assert (action.actor, action.member_id, action.reason) == (world.operator, rich.member.pk, "顾客来电核对订单")


def test_each_reveal_is_audited_again(world, rich):
    client = signed_in(world.operator)

    client.post(f"/workspace/m/{rich.member.code}/reveal/", {"reason": "核对订单"})
    client.post(f"/workspace/m/{rich.member.code}/reveal/", {"reason": "顾客要求改号"})

    assert list(StaffAction.objects.filter(kind=ActionKind.REVEAL_PHONE).order_by("pk")
                .values_list("reason", flat=True)) == ["核对订单", "顾客要求改号"]


def test_a_reveal_without_a_reason_is_refused(world, rich):
    client = signed_in(world.operator)

    response = client.post(f"/workspace/m/{rich.member.code}/reveal/", {"reason": "  "}, follow=True)

    assert "请写明查看完整号码的原因" in response.content.decode()
    assert "（已记录查看）" not in response.content.decode()
    assert not StaffAction.objects.filter(kind=ActionKind.REVEAL_PHONE).exists()


def test_a_reveal_by_a_user_without_the_permission_is_forbidden(world, rich):
    # Given the member's own guide (no members.reveal_phone)
    client = signed_in(world.guide_a)

    response = client.post(f"/workspace/m/{rich.member.code}/reveal/", {"reason": "想看看"})

    assert response.status_code == 403
    assert RICH_MOBILE not in response.content.decode()
    assert not StaffAction.objects.filter(kind=ActionKind.REVEAL_PHONE).exists()
