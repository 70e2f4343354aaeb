"""Variable tags (变量标签) through the refresh: values put on with their evidence, a changed value
swapped (one off, one on, both in the history), evidence refreshed without history, too little
evidence giving no value, and a re-run writing nothing."""

from datetime import date, datetime

import pytest

from members.conditions.windows import SHANGHAI
from tagging.models import TagChange, TagMembership
from tagging.services.refresh import refresh_tag
from tests.members.conditions.helpers import make_member

from .extractor_helpers import a_variable_tag, an_order, line

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
MARCH = datetime(2026, 3, 10, 12, tzinfo=SHANGHAI)


def values(tag) -> dict[int, str]:
    return dict(TagMembership.objects.filter(tag=tag).values_list("member_id", "value"))


def test_the_favourite_category_goes_on_with_its_evidence_and_a_rerun_writes_nothing():
    # given a member who spent more on 护肤 than on 彩妆 over two orders
    member = make_member()
    an_order(member, MARCH, paid="300", lines=[line("护肤", price="300")])
    an_order(member, MARCH, paid="100", lines=[line("彩妆", price="100")])
    tag = a_variable_tag("favourite_category", min_orders=2)
    # when the tag is refreshed twice
    first, second = refresh_tag(tag, as_of=AS_OF), refresh_tag(tag, as_of=AS_OF)
    # then the value is 护肤 with its evidence, put on once
    assert values(tag) == {member.pk: "护肤"}
    assert "护肤" in TagMembership.objects.get(tag=tag).evidence["text"]
    assert (first.added, second.changed) == (1, False)
    assert TagChange.objects.filter(tag=tag).count() == 1


def test_a_changed_value_is_swapped_with_one_off_and_one_on():
    # given a member whose favourite was 护肤
    member = make_member()
    an_order(member, MARCH, paid="300", lines=[line("护肤", price="300")])
    tag = a_variable_tag("favourite_category")
    refresh_tag(tag, as_of=AS_OF)
    # when she then spends more on 彩妆 and the tag is refreshed
    an_order(member, MARCH, paid="900", lines=[line("彩妆", price="900")])
    result = refresh_tag(tag, as_of=AS_OF)
    # then the old value went off and the new one on, both in the history
    assert values(tag) == {member.pk: "彩妆"}
    assert (result.added, result.removed) == (1, 1)
    assert list(TagChange.objects.filter(tag=tag).order_by("pk").values_list("added", "value")) == [
        (True, "护肤"), (False, "护肤"), (True, "彩妆")]


def test_moving_amounts_refresh_the_evidence_without_history():
    # given a member holding 护肤 with ¥300 of evidence
    member = make_member()
    an_order(member, MARCH, paid="300", lines=[line("护肤", price="300")])
    tag = a_variable_tag("favourite_category")
    refresh_tag(tag, as_of=AS_OF)
    before = TagMembership.objects.get(tag=tag).evidence
    # when she buys more 护肤 and the tag is refreshed
    an_order(member, MARCH, paid="200", lines=[line("护肤", price="200")])
    assert not refresh_tag(tag, as_of=AS_OF).changed
    # then the evidence follows, and no history row was written
    after = TagMembership.objects.get(tag=tag).evidence
    assert after != before and after["orders"] == 2
    assert TagChange.objects.filter(tag=tag).count() == 1


def test_a_member_with_too_few_orders_gets_no_value_and_loses_one_held():
    # given a tag needing two orders, and a member with one
    member = make_member()
    an_order(member, MARCH, paid="300", lines=[line("护肤", price="300")])
    tag = a_variable_tag("favourite_category", min_orders=2)
    # then she gets no value
    assert refresh_tag(tag, as_of=AS_OF).added == 0 and values(tag) == {}
    # and with a second order she gets one, which goes again when that order is refunded
    second = an_order(member, MARCH, paid="300", lines=[line("护肤", price="300")])
    assert refresh_tag(tag, as_of=AS_OF).added == 1
    type(second).objects.filter(pk=second.pk).update(refunded_amount=second.paid_amount)
    assert refresh_tag(tag, as_of=AS_OF).removed == 1 and values(tag) == {}
