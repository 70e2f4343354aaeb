"""Survivorship: which channel's value becomes the person's profile."""

from django.test import override_settings

from members.models import Channel


def test_higher_priority_channel_wins_over_a_more_recent_lower_one(person):
    person(channel="mall", external_id="m-1", mobile="13812345678", name="李四", seen="2025-01-01")

    result = person(channel="jd", external_id="j-1", mobile="13812345678", name="李 四四", seen="2026-01-01")

    assert result.member.name == "李四"


def test_most_recent_non_empty_value_wins_within_a_channel(person):
    person(channel="jd", external_id="j-1", mobile="13812345678", email="old@example.com", seen="2025-01-01")

    result = person(channel="jd", external_id="j-2", mobile="13812345678", email="new@example.com", seen="2026-01-01")

    assert result.member.email == "new@example.com"


def test_empty_values_never_overwrite_known_ones(person):
    person(channel="mall", external_id="m-1", mobile="13812345678", birthday="1990-05-06", seen="2025-01-01")

    result = person(channel="mall", external_id="m-2", mobile="13812345678", birthday="", seen="2026-01-01")

    assert str(result.member.birthday) == "1990-05-06"


def test_registered_time_keeps_the_oldest_and_its_channel(person):
    from tests.conftest import at

    person(channel="mall", external_id="m-1", mobile="13812345678", registered_at=at("2024-03-01"))

    result = person(channel="jd", external_id="j-1", mobile="13812345678", registered_at=at("2020-07-01"))

    assert result.member.registered_at == at("2020-07-01")
    assert result.member.registered_channel == Channel.JD


@override_settings(MEMBERS_CHANNEL_PRIORITY=["jd", "mall"])
def test_channel_priority_is_configurable(person):
    person(channel="mall", external_id="m-1", mobile="13812345678", name="李四")

    result = person(channel="jd", external_id="j-1", mobile="13812345678", name="李思")

    assert result.member.name == "李思"


def test_an_older_export_does_not_overwrite_what_the_channel_said_later(person):
    person(channel="jd", external_id="j-1", mobile="13812345678", name="新名字", seen="2026-02-01")

    result = person(channel="jd", external_id="j-1", mobile="13812345678", name="旧名字", seen="2025-02-01")

    assert result.member.name == "新名字"


def test_region_aliases_are_standardized_on_the_profile(person):
    result = person(channel="pos", external_id="p-1", mobile="13812345678", province="沪", city="上海")

    assert (result.member.province, result.member.city) == ("上海市", "上海市")
