"""Follow-ups from a probe as a guide (made when guides still read the member admin): for staff without
members.reveal_phone, contact details in names, addresses, attributes, the order's buyer account and
idempotency keys are masked (or never stored in a name); odd separators are masked."""

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import given
from hypothesis import strategies as st

from core.roles import OPERATOR, sync_role_permissions
from members.cleaning import clean_name
from members.masking import mask_text
from members.models import Member, Order, SourceProfile
from tests.conftest import at
from tests.masked_viewer import MEMBER_READS, masked_viewer
from tests.members.admin_helpers import change

PHONE = "13912345678"


def staff(client, role):
    sync_role_permissions()
    user = User.objects.create_user(username=f"s-{role}", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


@pytest.fixture
def customer(person):
    """A Tmall buyer whose account id is their phone, with a phone typed into the address and an attribute."""
    member = person(channel="tmall", external_id=f"mobile:+86{PHONE}", name="王丽", mobile=PHONE).member
    Member.objects.filter(pk=member.pk).update(
        address=f"上海市静安路1号 电话{PHONE}", attributes={"note": f"备用 {PHONE}"}, name=f"王丽{PHONE}",
    )
    return Member.objects.get(pk=member.pk)


@pytest.mark.django_db
def test_a_viewer_sees_no_phone_in_the_member_page_list_or_api_even_in_name_address_and_attributes(client, customer):
    # given staff who may read members but not see phones
    masked_viewer(client, *MEMBER_READS)

    # when they open the member list, the member page and the member API
    pages = [client.get("/admin/members/member/"), client.get(change(customer)),
             client.get(f"/api/members/{customer.code}/")]

    # then every page answers and none shows the number
    for page in pages:
        assert page.status_code == 200
        assert "12345678" not in page.content.decode()
    assert pages[2].json()["name"] == "王丽139****5678"


@pytest.mark.django_db
def test_a_viewer_sees_the_order_buyer_account_masked(client, customer):
    # given an order placed through an account whose id is a phone
    profile = SourceProfile.objects.get(member=customer)
    order = Order.objects.create(channel="tmall", external_no="T1", member=customer, source_profile=profile,
                                 status="paid", ordered_at=at("2026-03-01"))
    masked_viewer(client, "members.view_order", "members.view_orderline")

    # when staff who may read orders but not see phones open the order, then the buyer account is there but masked
    body = client.get(change(order)).content.decode()
    assert "下单账号" in body and "139****5678" in body
    assert PHONE not in body


@pytest.mark.django_db
def test_an_operator_still_sees_everything_in_full(client, customer):
    staff(client, OPERATOR)

    body = client.get(change(customer)).content.decode()

    assert f"电话{PHONE}" in body and f"备用 {PHONE}" in body


@pytest.mark.parametrize("name, kept", [
    (f"王丽{PHONE}", "王丽"), (f"王丽（{PHONE}）", "王丽"), ("王丽 139-1234-5678", "王丽"),
    ("Zhang Wei zhang@qq.com", "Zhang Wei"), (PHONE, ""), ("王丽 (VIP)", "王丽 (VIP)"),
])
def test_a_name_cell_loses_the_phone_or_email_typed_into_it(name, kept):
    assert clean_name(name) == kept


@pytest.mark.parametrize("text", [
    "139    1234    5678", "+86....139....12345678", "139\u200b1234\u200b5678", "139\xad1234\xad5678",
    "139—1234—5678", "139 – 1234 – 5678", "139_1234_5678", "139，1234，5678", "139*1234*5678",
])
def test_odd_separators_between_the_digits_do_not_hide_a_mobile(text):
    assert mask_text(f"回访 {text} 谢谢") == "回访 139****5678 谢谢"


@pytest.mark.parametrize("text", ["+1-415-555-0100", "+44 20 7946 0958"])
def test_international_numbers_with_separators_are_masked(text):
    assert not any(run in mask_text(text) for run in ("555", "7946", "0100", "0958"))


def test_an_email_with_a_chinese_full_stop_is_masked():
    assert mask_text("邮箱 zhang@qq。com") == "邮箱 z***@qq.com"


@given(st.text(alphabet=st.sampled_from(" -—_，*.()\u200b\xad"), max_size=3))
def test_any_short_run_of_separators_between_the_digits_is_masked(separator):
    # given a mobile whose digits are split by the same run of separators
    text = f"电话{separator.join(PHONE)}。"

    # then the whole number, separators included, comes out masked
    assert mask_text(text) == "电话139****5678。"
