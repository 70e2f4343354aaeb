"""Segments: saving with a checked condition, live counts against a Python reference, snapshots,
nightly sizes, and the portrait and comparison."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.errors import InsightsError
from insights.metrics import refresh_all_metrics
from insights.models import Segment, SegmentSize, SnapshotMember
from insights.segments.compare import compare
from insights.segments.portrait import portrait
from insights.segments.services import (
    count_segment,
    record_sizes,
    save_segment,
    segment_members,
    take_snapshot,
)
from members.models import MemberStatus
from tests.conftest import at
from tests.loyalty.test_condition_fields import give_level, set_up_loyalty

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
CITIES = ["上海市", "杭州市", ""]


def test_a_segment_with_a_bad_condition_is_refused_with_each_path():
    with pytest.raises(InsightsError) as error:
        save_segment(name="坏条件", condition={"all": [{"field": "member.gender", "op": "gt", "value": "F"},
                                                       {"field": "nope", "op": "eq", "value": 1}]})
    assert len(error.value.errors) == 2 and error.value.errors[0].startswith("all[0]")
    assert not Segment.objects.exists()


def test_names_are_unique_and_required():
    save_segment(name="女性", condition={"field": "member.gender", "op": "eq", "value": "F"})
    with pytest.raises(InsightsError, match="已有名为"):
        save_segment(name="女性", condition={"field": "member.gender", "op": "eq", "value": "F"})
    with pytest.raises(InsightsError, match="名称"):
        save_segment(name="  ", condition={"field": "member.gender", "op": "eq", "value": "F"})


_people = st.lists(st.tuples(st.sampled_from(["F", "M", "U"]), st.sampled_from(CITIES), st.integers(0, 3),
                             st.integers(1, 400)), min_size=1, max_size=8)
_leaves = st.sampled_from([
    ({"field": "member.gender", "op": "eq", "value": "F"}, lambda p: p[0] == "F"),
    ({"field": "member.city", "op": "in", "value": ["上海市", "杭州市"]}, lambda p: p[1] in ("上海市", "杭州市")),
    ({"field": "metrics.orders_365d", "op": "gte", "value": 2}, lambda p: p[2] >= 2 and p[3] <= 365),
    ({"field": "metrics.days_since_last_order", "op": "lte", "value": 90}, lambda p: p[2] > 0 and p[3] <= 90),
])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=_people, leaves=st.lists(_leaves, min_size=1, max_size=3), kind=st.sampled_from(["all", "any"]),
       negate=st.booleans())
def test_segment_counts_agree_with_a_python_reference(people, leaves, kind, negate):
    with transaction.atomic():
        # given members with a gender, a city and n orders, the latest `days` before AS_OF
        for gender, city, orders, days in people:
            member = make_member(gender=gender, city=city)
            for _ in range(orders):
                order(member, at((AS_OF - timedelta(days=days)).isoformat()))
        refresh_all_metrics(AS_OF)
        condition = {kind: [leaf for leaf, _ in leaves]}
        condition = {"not": condition} if negate else condition
        # when counted
        counted = count_segment(condition, AS_OF)
        # then it equals the reference
        combine = all if kind == "all" else any
        expected = sum(1 for p in people if combine(test(p) for _, test in leaves) != negate)
        assert counted == expected
        transaction.set_rollback(True)


def test_a_snapshot_freezes_the_members_of_the_day():
    # given a segment of women and two women
    women = [make_member(gender="F"), make_member(gender="F")]
    make_member(gender="M")
    segment = save_segment(name="女性", condition={"field": "member.gender", "op": "eq", "value": "F"})
    # when a snapshot is taken and then a third woman arrives
    snapshot = take_snapshot(segment, purpose="三八节短信")
    make_member(gender="F")
    # then the snapshot holds the two, the live segment three
    frozen = set(SnapshotMember.objects.filter(snapshot=snapshot).values_list("member_id", flat=True))
    assert snapshot.members == 2 and frozen == {w.pk for w in women}
    assert count_segment(segment) == 3


def test_nightly_sizes_are_written_once_per_date():
    make_member(gender="F")
    save_segment(name="女性", condition={"field": "member.gender", "op": "eq", "value": "F"})
    first, second = record_sizes(AS_OF), record_sizes(AS_OF)
    assert (first["sizes"], second["sizes"]) == (1, 0)
    assert SegmentSize.objects.get().members == 1


def test_merged_members_are_never_in_a_segment():
    survivor, absorbed = make_member(gender="F"), make_member(gender="F")
    absorbed.status, absorbed.merged_into = MemberStatus.MERGED, survivor
    absorbed.save()
    assert list(segment_members({"field": "member.gender", "op": "eq", "value": "F"})) == [survivor]


def test_the_portrait_counts_each_dimension():
    # given three women in Shanghai (one spending ¥600 this year) and a man without a city
    spender = make_member(gender="F", city="上海市", birthday=date(1990, 5, 1))
    order(spender, at("2026-03-01"), paid="600")
    for _ in range(2):
        make_member(gender="F", city="上海市")
    make_member(gender="M")
    refresh_all_metrics(AS_OF)
    women = segment_members({"field": "member.gender", "op": "eq", "value": "F"}, AS_OF)
    # when
    picture = portrait(women, AS_OF)
    # then
    assert (picture.size, picture.total) == (3, 4)
    assert picture.dimension("gender").rows == [("女", 3)]
    assert picture.dimension("city").rows == [("上海市", 3)]
    ages = dict(picture.dimension("age").rows)
    assert (ages["35–39岁"], ages["（无生日）"]) == (1, 2)
    assert dict(picture.dimension("spend").rows)["¥500–999"] == 1
    assert dict(picture.dimension("orders").rows) == {"0单": 2, "1单": 1, "2单": 0, "3–4单": 0, "5–9单": 0,
                                                       "10单及以上": 0}


def test_the_portrait_counts_levels_per_scheme_and_every_channel_bought_from():
    # given two women at level silver of the scheme vip, one at base, and purchases on POS and Tmall
    _, scheme = set_up_loyalty()
    silver, other_silver, base = make_member(gender="F"), make_member(gender="F"), make_member(gender="F")
    for member, rank in ((silver, 1), (other_silver, 1), (base, 0)):
        give_level(member, scheme, rank)
    order(silver, at("2026-03-01"), channel="pos")
    order(silver, at("2026-03-02"), channel="tmall")
    order(base, at("2026-03-03"), channel="tmall")
    refresh_all_metrics(AS_OF)
    # when the portrait of the women is drawn
    picture = portrait(segment_members({"field": "member.gender", "op": "eq", "value": "F"}, AS_OF), AS_OF)
    # then the vip ladder counts by level name in rank order, and each channel its buyers
    assert picture.dimension("level.vip").rows == [("base", 1), ("silver", 2)]
    assert picture.dimension("channels_bought").rows == [("天猫", 2), ("门店POS", 1)]


def test_comparing_with_everyone_highlights_large_differences():
    for gender in ("F", "F", "M", "M"):
        make_member(gender=gender)
    refresh_all_metrics(AS_OF)
    women = portrait(segment_members({"field": "member.gender", "op": "eq", "value": "F"}, AS_OF), AS_OF)
    rows = {row.label: row for row in next(d for d in compare(women, portrait(None, AS_OF)) if d.key == "gender").rows}
    assert (rows["女"].left_share, rows["女"].right_share, rows["女"].difference) == (100.0, 50.0, 50.0)
    assert rows["女"].notable and rows["男"].difference == -50.0


def test_shuffled_portraits_do_not_depend_on_insertion_order():
    cities = ["北京市"] * 3 + ["上海市"] * 5
    random.Random(7).shuffle(cities)
    for city in cities:
        make_member(city=city)
    assert portrait().dimension("city").rows == [("上海市", 5), ("北京市", 3)]
    assert Decimal(portrait().share) == 1
