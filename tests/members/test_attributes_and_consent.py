"""Custom attributes are validated on every write; consent is an append-only history."""

import pytest

from members.models import AttributeDefinition, ConsentRecord
from members.services import MembersError, current_consent, edit_profile, record_consent, validate_attributes
from tests.conftest import at


@pytest.fixture
def definitions(db):
    AttributeDefinition.objects.create(key="skin_type", label="肤质", type="choice", choices=["干性", "油性"])
    AttributeDefinition.objects.create(key="kids", label="孩子数", type="integer")
    AttributeDefinition.objects.create(key="vip_since", label="VIP起始", type="date")
    AttributeDefinition.objects.create(key="likes", label="喜好", type="multi_choice", choices=["香水", "口红"])
    AttributeDefinition.objects.create(key="newsletter", label="订阅", type="boolean")
    AttributeDefinition.objects.create(key="size", label="尺码", type="text", required=True)


def test_values_are_coerced_to_their_types(definitions):
    cleaned = validate_attributes(
        {"skin_type": "干性", "kids": "2", "vip_since": "2024-05-01", "likes": "香水,口红", "newsletter": "是",
         "size": "M"}
    )

    assert cleaned == {"skin_type": "干性", "kids": 2, "vip_since": "2024-05-01", "likes": ["香水", "口红"],
                       "newsletter": True, "size": "M"}


def test_every_bad_value_is_reported_with_its_label_and_reason(definitions):
    with pytest.raises(MembersError) as error:
        validate_attributes({"skin_type": "中性", "kids": "two", "vip_since": "昨天", "color": "red"})

    message = str(error.value)
    for part in ("肤质(skin_type) 的值「中性」无效", "孩子数(kids) 的值「two」无效：应为整数", "VIP起始",
                 "未定义的自定义属性「color」", "尺码(size) 为必填项"):
        assert part in message


def test_channels_may_send_partial_attributes(definitions):
    assert validate_attributes({"kids": 1}, partial=True) == {"kids": 1}


def test_a_switched_off_attribute_keeps_its_values_without_blocking_edits(definitions, person):
    member = person(channel="mall", external_id="m-1", mobile="13812345678", attributes={"kids": 2, "size": "L"}).member
    AttributeDefinition.objects.filter(key="kids").update(is_active=False)

    edited = edit_profile(member_id=member.pk, changes={"name": "赵六"})

    assert edited.name == "赵六" and edited.attributes["kids"] == 2


def test_a_staff_edit_wins_over_channel_values_and_is_recorded_as_the_manual_account(person):
    member = person(channel="jd", external_id="j-1", mobile="13812345678", name="赵 六").member

    edited = edit_profile(member_id=member.pk, changes={"name": "赵陆", "city": "杭州"})

    assert (edited.name, edited.city, edited.province) == ("赵陆", "杭州市", "浙江省")
    assert edited.source_profiles.filter(channel="manual", external_id=f"staff:{member.code}").exists()


def test_the_latest_consent_record_is_in_force(person):
    member = person(channel="wechat_mp", external_id="wx-1", mobile="13812345678").member
    record_consent(member_id=member.pk, channel="sms", status="granted", source="小程序注册勾选",
                   recorded_at=at("2025-01-01"))

    record_consent(member_id=member.pk, channel="sms", status="withdrawn", source="短信回T退订",
                   recorded_at=at("2025-03-01"))

    assert current_consent(member.pk) == "withdrawn"
    assert ConsentRecord.objects.filter(member=member).count() == 2


def test_consent_without_a_source_is_refused(person):
    member = person(channel="wechat_mp", external_id="wx-1", mobile="13812345678").member

    with pytest.raises(MembersError, match="授权来源"):
        record_consent(member_id=member.pk, channel="sms", status="granted", source=" ")


def test_a_person_never_asked_has_no_consent(person):
    member = person(channel="pos", external_id="p-1", mobile="13812345678").member

    assert current_consent(member.pk) is None
