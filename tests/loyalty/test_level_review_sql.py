"""The daily review and the impact preview decide in SQL: what they write and count, member by
member, against hand-worked expectations — thresholds met exactly, both downgrade policies,
floors in force, ending that day and expired, level dates on month ends and across the Shanghai
midnight, the metric window's edges, and chunks smaller than the members due."""

from datetime import date
from decimal import Decimal

import pytest

from loyalty.calendar import start_of_day
from loyalty.levels.preview import preview_impact
from loyalty.levels.review import review_levels
from loyalty.levels.services import member_level_for
from loyalty.models import Level, LevelChange, LevelScheme, MemberLevel, PointsAccountType
from loyalty.services import earn, open_account, open_role
from loyalty.services.accounts import end_role
from tests.conftest import at

pytestmark = pytest.mark.django_db
D = Decimal
ON = date(2027, 1, 1)
# (code, upgrade, retain) by rank
RUNGS = [("base", 0, 0), ("silver", 1000, 800), ("gold", 5000, 4000), ("black", 20000, 16000)]


def make_scheme(consumer, **fields):
    LevelScheme.objects.filter(code="consumer").update(active=False)
    values = {"code": "sqlcheck", "name": "对照", "role_type": consumer, "metric": "window_earned",
              "account_type": PointsAccountType.objects.get(code="growth"), "window_months": 12, **fields}
    scheme = LevelScheme.objects.create(**values)
    for rank, (code, up, keep) in enumerate(RUNGS):
        Level.objects.create(scheme=scheme, code=code, name=code, rank=rank, upgrade_threshold=D(up),
                             retain_threshold=D(keep))
    return scheme


@pytest.fixture
def holder(member, consumer, make_order):
    """A member holding `level` in the scheme, due on ON, with growth earned (or orders paid) before."""

    def _make(scheme, level, *, points=0, orders=(), floor=None, until=None, reached="2026-06-02 12:00",
              due=ON):
        person = member()
        role = open_role(member=person, role_type=consumer)
        if points:
            account = open_account(member=person, role_type=consumer, account_type=scheme.account_type)
            earn(account=account, points=points, occurred_at=at("2026-06-01"), idempotency_key=f"p{person.pk}",
                 now=at("2026-06-01"))
        for paid, refunded, paid_at in orders:
            make_order(person, paid=paid, refunded=refunded, paid_at=at(*paid_at.split()))
        row = member_level_for(member_role=role, scheme=scheme, now=at("2026-06-02"))
        levels = {lv.code: lv for lv in Level.objects.filter(scheme=scheme)}
        MemberLevel.objects.filter(pk=row.pk).update(
            level=levels[level], reached_at=at(*reached.split()), next_review_on=due,
            floor_level=levels.get(floor), floor_until=until, floor_reason="测试" if floor else "")
        return row.pk

    return _make


def state_of(pk):
    """(level, next review, floor level, floor until) and the review's history row (kind, from, to, metric, rule)."""
    row = MemberLevel.objects.select_related("level", "floor_level").get(pk=pk)
    changes = list(LevelChange.objects.filter(member_level_id=pk, review_date__isnull=False).values_list(
        "kind", "from_level__code", "to_level__code", "metric_value", "rule", "review_date", "actor_label"))
    floor = row.floor_level.code if row.floor_level else None
    return (row.level.code, row.next_review_on, floor, row.floor_until), changes


def moved(kind, old, new, metric, rule):
    return [(kind, old, new, D(metric), f"2027-01-01 考核：指标 {rule}", ON, "review")]


def test_one_level_reviews_n_months_after_the_level_was_reached(consumer, holder):
    # Given a one-level scheme reviewing 5 months after a level was reached, by growth in 12 months
    scheme = make_scheme(consumer, downgrade_policy="one_level", review_period="after_reached", review_every_months=5)
    kept_exactly = holder(scheme, "gold", points=4000, reached="2026-01-31 10:00")
    # reached at 00:30 in Shanghai, still the day before in UTC: the Shanghai day counts
    kept_after_midnight = holder(scheme, "silver", points=800, reached="2026-02-28 00:30")
    below = holder(scheme, "gold", points=3999, reached="2025-08-31 23:59")
    nothing = holder(scheme, "black")
    raised = holder(scheme, "silver", points=20000)
    floor_open = holder(scheme, "gold", floor="gold")
    floor_last_day = holder(scheme, "gold", floor="gold", until=ON)
    floor_ended = holder(scheme, "gold", floor="gold", until=date(2026, 12, 31))
    floor_ended_kept = holder(scheme, "gold", points=4000, floor="gold", until=date(2026, 12, 31),
                              reached="2026-01-31 10:00")
    floor_below = holder(scheme, "silver", floor="base")
    base = holder(scheme, "base", reached="2026-12-01 09:00")
    not_due = holder(scheme, "gold", due=date(2027, 1, 2))
    ended_role = holder(scheme, "gold")
    end_role(role=MemberLevel.objects.get(pk=ended_role).member_role)

    # When the day's review runs in chunks of three
    result = review_levels(on=ON, scheme=scheme, chunk=3)

    # Then each row moved, stayed or lost its floor as worked out by hand
    moved_next = date(2027, 6, 1)  # five months after the review day
    assert state_of(kept_exactly) == (("gold", date(2027, 4, 30), None, None), [])  # 01-31 + 15 months
    assert state_of(kept_after_midnight) == (("silver", date(2027, 5, 28), None, None), [])  # not 05-27
    assert state_of(below) == (("silver", moved_next, None, None),
                                   moved("downgrade", "gold", "silver", 3999, "3999 < 保级门槛 4000.00"))
    assert state_of(nothing) == (("gold", moved_next, None, None),
                                     moved("downgrade", "black", "gold", 0, "0 < 保级门槛 16000.00"))
    assert state_of(raised) == (("black", moved_next, None, None),
                                    moved("upgrade", "silver", "black", 20000, "20000 ≥ 升级门槛 20000.00"))
    assert state_of(floor_open) == (("gold", date(2027, 4, 2), "gold", None), [])  # 06-02 + 10 months
    assert state_of(floor_last_day) == (("gold", date(2027, 4, 2), "gold", ON), [])
    assert state_of(floor_ended) == (("silver", moved_next, None, None),
                                         moved("floor_expired", "gold", "silver", 0, "0 < 保级门槛 4000.00"))
    assert state_of(floor_ended_kept) == (("gold", date(2027, 4, 30), None, None), [])
    assert state_of(floor_below) == (("base", moved_next, "base", None),
                                         moved("downgrade", "silver", "base", 0, "0 < 保级门槛 800.00"))
    assert state_of(base) == (("base", date(2027, 5, 1), None, None), [])
    assert state_of(not_due) == (("gold", date(2027, 1, 2), None, None), [])
    assert state_of(ended_role) == (("gold", ON, None, None), [])
    assert result.as_counts() == {"reviewed": 11, "kept": 6, "downgrade": 3, "upgrade": 1, "floor_expired": 1}
    moved_rows = MemberLevel.objects.filter(pk__in=[below, nothing, raised, floor_ended, floor_below])
    assert set(moved_rows.values_list("reached_at", flat=True)) == {start_of_day(ON)}


def test_to_supported_drops_to_the_level_paid_orders_in_the_window_support(consumer, holder):
    # Given a monthly scheme ranked by what was paid (less refunds) in the 12 months before the review day
    scheme = make_scheme(consumer, downgrade_policy="to_supported", review_period="monthly", metric="window_paid")
    to_silver = holder(scheme, "black", orders=[("800.00", "0", "2026-06-01 12:00")])
    to_base = holder(scheme, "black")
    to_gold = holder(scheme, "black", orders=[("15999.99", "0", "2026-06-01 12:00")])
    refund_counted = holder(scheme, "gold", orders=[("4500.00", "500.00", "2026-06-01 12:00")])
    window_edges = holder(scheme, "silver", orders=[("800.00", "0", "2026-01-01 00:00"),  # first instant: in
                                                    ("5000.00", "0", "2027-01-01 00:00")])  # review day: out

    # When the day's review runs
    result = review_levels(on=ON, scheme=scheme, chunk=2)

    # Then each lands on the highest level its metric retains
    next_month = date(2027, 2, 1)
    assert state_of(to_silver) == (("silver", next_month, None, None),
                                         moved("downgrade", "black", "silver", 800, "800.00 < 保级门槛 16000.00"))
    assert state_of(to_base) == (("base", next_month, None, None),
                                     moved("downgrade", "black", "base", 0, "0 < 保级门槛 16000.00"))
    assert state_of(to_gold) == (("gold", next_month, None, None),
                                     moved("downgrade", "black", "gold", "15999.99", "15999.99 < 保级门槛 16000.00"))
    assert state_of(refund_counted) == (("gold", next_month, None, None), [])
    assert state_of(window_edges) == (("silver", next_month, None, None), [])
    assert result.as_counts() == {"reviewed": 5, "kept": 2, "downgrade": 3}


def test_a_second_review_the_same_day_changes_nothing(consumer, holder):
    # Given a day's review already done
    scheme = make_scheme(consumer, downgrade_policy="one_level", review_period="monthly")
    rows = [holder(scheme, "gold"), holder(scheme, "silver", points=5000), holder(scheme, "gold", points=4000)]
    review_levels(on=ON, scheme=scheme)
    before = [state_of(pk) for pk in rows]

    # When it runs again
    again = review_levels(on=ON, scheme=scheme)

    # Then nothing is due and nothing changed
    assert again.reviewed == 0 and [state_of(pk) for pk in rows] == before


def test_the_preview_counts_who_would_move_under_new_thresholds(consumer, holder, member):
    # Given a one-level scheme, members at every kind of position, and role holders without a level row
    scheme = make_scheme(consumer, downgrade_policy="one_level", review_period="monthly")
    review_on = date(2027, 2, 1)
    pk_of = {}
    for name, level, points, floor, until in [
        ("silver_stays", "silver", 900, None, None),
        ("base_up", "base", 900, None, None),
        ("silver_up", "silver", 4500, None, None),
        ("gold_down", "gold", 3499, None, None),
        ("gold_stays", "gold", 3500, None, None),
        ("gold_floor_at_review", "gold", 3000, "gold", review_on),
        ("gold_floor_ended", "gold", 3000, "gold", date(2027, 1, 31)),
        ("black_down", "black", 0, None, None),
    ]:
        pk_of[name] = holder(scheme, level, points=points, floor=floor, until=until, due=review_on)
    member_of = dict(MemberLevel.objects.filter(pk__in=pk_of.values()).values_list("pk", "member_id"))
    rising, idle = member(), member()
    open_role(member=rising, role_type=consumer)
    open_role(member=idle, role_type=consumer)
    account = open_account(member=rising, role_type=consumer, account_type=scheme.account_type)
    earn(account=account, points=4500, occurred_at=at("2026-06-01"), idempotency_key="rising", now=at("2026-06-01"),
         levels=False)  # no level row yet
    levels = {lv.code: lv.pk for lv in Level.objects.filter(scheme=scheme)}
    before = (MemberLevel.objects.count(), LevelChange.objects.count())

    # When the admin previews 银卡 at 900 (kept from 700) and 金卡 at 4500 (kept from 3500)
    impact = preview_impact(scheme, {levels["silver"]: (D(900), D(700)), levels["gold"]: (D(4500), D(3500))},
                            now=at("2027-01-01", "09:00"))

    # Then three go up at once, three would go down at their review, four stay; nothing is written
    base, silver, gold, black = (levels[code] for code in ("base", "silver", "gold", "black"))
    assert (impact.up, impact.down, impact.stay) == (3, 3, 4)
    assert impact.moves == {(base, silver): 1, (silver, gold): 1, (base, gold): 1, (gold, silver): 2, (black, gold): 1}
    assert impact.samples == {  # level rows first in their order, then the members without one
        "up": [(member_of[pk_of["base_up"]], base, silver, D(900)),
               (member_of[pk_of["silver_up"]], silver, gold, D(4500)), (rising.pk, base, gold, D(4500))],
        "down": [(member_of[pk_of["gold_down"]], gold, silver, D(3499)),
                 (member_of[pk_of["gold_floor_ended"]], gold, silver, D(3000)),
                 (member_of[pk_of["black_down"]], black, gold, D(0))],
    }
    assert (MemberLevel.objects.count(), LevelChange.objects.count()) == before
