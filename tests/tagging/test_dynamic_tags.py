"""Dynamic tags (动态标签): recomputed set-based from their condition, with the why frozen when a
member got the tag, history for every on/off, keep-days, partial refreshes and idempotent re-runs."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from members.conditions.windows import SHANGHAI
from members.models import MemberStatus, Order
from tagging.models import Tag, TagChange, TagKind, TagMembership
from tagging.services import TaggingError
from tagging.services.refresh import refresh_tag, refresh_tags
from tests.members.conditions.helpers import make_member

from .helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
_numbers = iter(range(1, 10**9))

BIG_SPENDERS = {"all": [
    {"field": "member.gender", "op": "eq", "value": "F"},
    {"field": "orders.paid_amount", "op": "gte", "value": 1000, "window": {"last_days": 90}},
]}


def paid(member, amount, day=AS_OF, refunded="0"):
    return Order.objects.create(
        channel="pos", external_no=f"D{next(_numbers)}", member=member, status="paid",
        paid_amount=Decimal(amount), refunded_amount=Decimal(refunded),
        paid_at=datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI))


def dynamic_tag(code="big", condition=BIG_SPENDERS, **fields) -> Tag:
    return a_tag(code, kind=TagKind.DYNAMIC, condition=condition, **fields)


def test_members_meeting_the_condition_get_the_tag_with_the_why_and_a_history_row():
    # given two women, one who spent ¥1,200 in the window and one ¥300, and a man who spent ¥5,000
    spender, small, man = make_member(gender="F"), make_member(gender="F"), make_member(gender="M")
    paid(spender, "1200"), paid(small, "300"), paid(man, "5000")
    tag = dynamic_tag()
    # when the tag is recomputed
    result = refresh_tag(tag, as_of=AS_OF)
    # then only the big-spending woman holds it, under rule version 1, with each leaf's value then
    assert (result.added, result.removed) == (1, 0)
    assert tag_codes(spender) == {"big"} and not tag_codes(small) and not tag_codes(man)
    membership = TagMembership.objects.get(tag=tag)
    assert membership.rule_version == 1
    assert membership.leaf_values == {
        "all[0]": {"actual": "F", "passed": True},
        "all[1]": {"actual": 1200, "passed": True},
    }
    change = TagChange.objects.get(tag=tag)
    assert change.added and change.kind == TagKind.DYNAMIC and change.rule_version == 1
    assert change.actor_label.startswith("job:") and change.reason == "满足条件"


def test_a_second_run_over_the_same_data_writes_nothing():
    # given a recomputed tag
    member = make_member(gender="F")
    paid(member, "2000")
    tag = dynamic_tag()
    refresh_tag(tag, as_of=AS_OF)
    since = TagMembership.objects.get(tag=tag).since
    # when it is recomputed again
    result = refresh_tag(tag, as_of=AS_OF)
    # then nothing changed: no history, the membership keeps its date
    assert not result.changed
    assert TagChange.objects.filter(tag=tag).count() == 1
    assert TagMembership.objects.get(tag=tag).since == since


def test_a_member_who_no_longer_meets_the_condition_loses_the_tag():
    # given a member holding the tag whose order is then refunded in full
    member = make_member(gender="F")
    order = paid(member, "1500")
    tag = dynamic_tag()
    refresh_tag(tag, as_of=AS_OF)
    Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("1500"))
    # when it is recomputed
    result = refresh_tag(tag, as_of=AS_OF)
    # then the tag is off, and the history says why
    assert (result.added, result.removed) == (0, 1)
    assert not tag_codes(member)
    off = TagChange.objects.filter(tag=tag, added=False).get()
    assert off.reason == "不再满足条件" and off.rule_version == 1


def test_the_window_moves_with_the_evaluation_date():
    # given an order on 2025-12-31: the 90-day window of 2026-03-31 starts that day at 00:00, of 04-01 not
    member = make_member(gender="F")
    paid(member, "1500", day=date(2025, 12, 31))
    tag = dynamic_tag()
    assert refresh_tag(tag, as_of=AS_OF).added == 1
    # when the tag is recomputed one day later
    result = refresh_tag(tag, as_of=AS_OF + timedelta(days=1))
    # then the member falls out of the window
    assert result.removed == 1 and not tag_codes(member)


def test_keep_days_holds_the_tag_after_the_condition_stops():
    # given a tag kept for 3 days after its condition stops holding
    member = make_member(gender="F")
    order = paid(member, "1500")
    tag = dynamic_tag(keep_days=3)
    refresh_tag(tag, as_of=AS_OF)
    Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("1500"))
    # when it is recomputed on the day it stops holding and the next two days
    for offset in range(3):
        assert not refresh_tag(tag, as_of=AS_OF + timedelta(days=offset)).changed
        # then the member keeps it, marked with the first day it no longer held
        assert TagMembership.objects.get(tag=tag).unmet_since == AS_OF
    # and on the third day after, it is taken off
    assert refresh_tag(tag, as_of=AS_OF + timedelta(days=3)).removed == 1


def test_keep_days_forget_a_lapse_when_the_condition_holds_again():
    # given a kept member whose condition stopped holding
    member = make_member(gender="F")
    order = paid(member, "1500")
    tag = dynamic_tag(keep_days=5)
    refresh_tag(tag, as_of=AS_OF)
    Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("1500"))
    refresh_tag(tag, as_of=AS_OF)
    # when the member buys again and the tag is recomputed
    paid(member, "1100")
    refresh_tag(tag, as_of=AS_OF)
    # then the lapse is forgotten and no history row was written for it
    assert TagMembership.objects.get(tag=tag).unmet_since is None
    assert TagChange.objects.filter(tag=tag).count() == 1


def test_a_partial_refresh_touches_only_the_given_members():
    # given two members who both meet the condition, neither holding the tag yet
    first, second = make_member(gender="F"), make_member(gender="F")
    paid(first, "1500"), paid(second, "1500")
    tag = dynamic_tag()
    # when only the first is refreshed
    result = refresh_tag(tag, as_of=AS_OF, member_ids=[first.pk])
    # then only the first got it
    assert result.added == 1 and tag_codes(first) == {"big"} and not tag_codes(second)
    # and a partial refresh never takes the tag off someone outside it
    Order.objects.filter(member=first).update(refunded_amount=Decimal("1500"))
    assert refresh_tag(tag, as_of=AS_OF, member_ids=[second.pk]).removed == 0
    assert tag_codes(first) == {"big"}


def test_merged_away_and_erased_members_lose_computed_tags():
    # given two holders of the tag
    merged, erased = make_member(gender="F"), make_member(gender="F")
    paid(merged, "1500"), paid(erased, "1500")
    tag = dynamic_tag()
    refresh_tag(tag, as_of=AS_OF)
    # when one is merged away and the other erased, and the tag recomputed
    type(merged).objects.filter(pk=merged.pk).update(status=MemberStatus.MERGED)
    type(erased).objects.filter(pk=erased.pk).update(status=MemberStatus.ERASED)
    result = refresh_tag(tag, as_of=AS_OF)
    # then neither holds it any more
    assert result.removed == 2 and not TagMembership.objects.filter(tag=tag).exists()


def test_a_new_rule_version_stamps_new_members_and_keeps_the_old_ones():
    # given a member who got the tag under version 1
    early, late = make_member(gender="F"), make_member(gender="F")
    paid(early, "1500"), paid(late, "600")
    tag = dynamic_tag()
    refresh_tag(tag, as_of=AS_OF)
    # when the threshold is lowered (version 2) and the tag recomputed
    tag.condition = {"all": [BIG_SPENDERS["all"][0], {**BIG_SPENDERS["all"][1], "value": 500}]}
    tag.rule_version = 2
    tag.save()
    refresh_tag(tag, as_of=AS_OF)
    # then the new member is stamped with version 2, and the old one keeps version 1
    versions = dict(TagMembership.objects.filter(tag=tag).values_list("member_id", "rule_version"))
    assert versions == {early.pk: 1, late.pk: 2}


def test_a_condition_that_reads_tags_sees_static_tags():
    # given a static tag on one member and a dynamic tag for the women who do not hold it
    blocked, fine = make_member(gender="F"), make_member(gender="F")
    static = a_tag("blocked")
    TagMembership.objects.create(member=blocked, tag=static, since=datetime(2026, 1, 1, tzinfo=SHANGHAI),
                                 origin_member=blocked)
    tag = dynamic_tag("ok", {"all": [{"field": "member.gender", "op": "eq", "value": "F"},
                                     {"not": {"field": "tag", "op": "has", "value": "blocked"}}]})
    # when it is recomputed
    refresh_tag(tag, as_of=AS_OF)
    # then only the member without the static tag got it, and the snapshot says she did not hold it
    assert tag_codes(fine) == {"ok"} and tag_codes(blocked) == {"blocked"}
    snapshot = TagMembership.objects.get(tag=tag).leaf_values
    assert snapshot["all[1].not"] == {"actual": False, "passed": False}


def test_a_tag_cannot_read_itself():
    tag = dynamic_tag("self", {"field": "tag", "op": "has", "value": "member-x"})
    tag.condition = {"field": "tag", "op": "has", "value": "self"}
    with pytest.raises(Exception) as error:
        tag.full_clean()
    assert "引用标签自身" in str(error.value)


def test_a_broken_tag_is_reported_and_the_others_still_run():
    # given a dynamic tag whose stored condition names a field that no longer exists, and a good one
    member = make_member(gender="F")
    paid(member, "1500")
    broken = dynamic_tag("broken", {"field": "member.no_such_field", "op": "eq", "value": "x"})
    good = dynamic_tag()
    # when both are refreshed
    results = {r.tag_code: r for r in refresh_tags(tags=[broken, good], as_of=AS_OF)}
    # then the broken one reports the path of its error, and the good one did its work
    assert "member.no_such_field" in results["broken"].error
    assert results["big"].added == 1


def test_static_tags_are_not_computed():
    with pytest.raises(TaggingError):
        refresh_tag(a_tag("manual"), as_of=AS_OF)


def test_an_inactive_tag_is_left_alone():
    member = make_member(gender="F")
    paid(member, "1500")
    tag = dynamic_tag(active=False)
    assert not refresh_tag(tag, as_of=AS_OF).changed
    assert not tag_codes(member)


def test_the_why_of_a_member_without_orders_shows_zero_and_the_leaves_it_met_by_having_none():
    # given a dynamic tag for women with no order in the window and not exactly ¥500 spent
    quiet = make_member(gender="F")
    tag = dynamic_tag("quiet", {"all": [
        {"field": "member.gender", "op": "eq", "value": "F"},
        {"field": "orders.count", "op": "lt", "value": 1, "window": {"last_days": 30}},
        {"field": "orders.paid_amount", "op": "ne", "value": 500, "window": {"last_days": 30}},
    ]})
    # when it is recomputed
    refresh_tag(tag, as_of=AS_OF)
    # then she holds it, and the snapshot has her zeros as met (not SQL's unknown)
    snapshot = TagMembership.objects.get(tag=tag, member=quiet).leaf_values
    assert snapshot["all[1]"] == {"actual": 0, "passed": True}
    assert snapshot["all[2]"]["passed"] is True and float(snapshot["all[2]"]["actual"]) == 0


def test_two_tags_refreshed_in_one_transaction_each_write_their_own_why():
    # given a woman who spent ¥1,200, and two dynamic tags she meets, one reading her spend
    spender = make_member(gender="F")
    paid(spender, "1200")
    big = dynamic_tag()
    women = dynamic_tag("women", {"field": "member.gender", "op": "eq", "value": "F"})
    # when both are recomputed in one transaction (the why's temporary table lives until its end)
    with transaction.atomic():
        refresh_tag(big, as_of=AS_OF)
        refresh_tag(women, as_of=AS_OF)
        # and again, with nobody new
        refresh_tag(big, as_of=AS_OF)
    # then each membership holds its own tag's why
    assert TagMembership.objects.get(tag=big).leaf_values["all[1]"] == {"actual": 1200, "passed": True}
    assert TagMembership.objects.get(tag=women).leaf_values == {"条件": {"actual": "F", "passed": True}}
