"""On PostgreSQL the review and the impact preview decide in SQL; the Python path (ORM metric,
`ladder` rules) is the reference. Both run here on the same members — every rung, metrics at and
around each threshold, floors in force, ending that day, expired and below, level dates on month
ends and across the Shanghai midnight — and must write and count exactly the same."""

from datetime import date
from decimal import Decimal
from itertools import product
from types import SimpleNamespace

import pytest
from django.db import transaction

from loyalty.levels import metrics, preview, review
from loyalty.levels.review import review_levels
from loyalty.levels.services import member_level_for
from loyalty.models import Level, LevelChange, LevelScheme, MemberLevel, PointsAccountType
from loyalty.services import earn, open_account, open_role
from tests.conftest import at, postgres_only

pytestmark = [postgres_only, pytest.mark.django_db]
D = Decimal
ON = date(2027, 1, 1)
# (code, upgrade, retain) by rank
RUNGS = [("base", 0, 0), ("silver", 1000, 800), ("gold", 5000, 4000), ("black", 20000, 16000)]
METRICS = [0, 799, 800, 999, 1000, 3999, 4000, 5000, 16000, 20000]
REACHED = [at("2026-01-31", "10:00"), at("2026-02-28", "00:30"), at("2025-08-31", "23:59")]


def make_scheme(consumer, **fields):
    LevelScheme.objects.filter(code="consumer").update(active=False)
    values = {"code": "sqlcheck", "name": "对照", "role_type": consumer, "metric": "window_earned",
              "account_type": PointsAccountType.objects.get(code="growth"), "window_months": 12, **fields}
    scheme = LevelScheme.objects.create(**values)
    for rank, (code, up, keep) in enumerate(RUNGS):
        Level.objects.create(scheme=scheme, code=code, name=code, rank=rank, upgrade_threshold=D(up),
                             retain_threshold=D(keep))
    return scheme


def populate(scheme, member, consumer, make_order):
    """One member per (current level, metric, floor); floors: none, above the level for good,
    above until the review day, above but ended the day before, below the level."""
    levels = list(Level.objects.filter(scheme=scheme).order_by("rank"))
    growth = PointsAccountType.objects.get(code="growth")
    floors = ["none", "above", "until_today", "expired", "below"]
    for n, (current, metric, floor) in enumerate(product(range(len(levels)), METRICS, floors)):
        person = member()
        role = open_role(member=person, role_type=consumer)
        if metric and scheme.metric == "window_paid":
            make_order(person, paid=f"{metric - 0.01 if n % 2 else metric:.2f}", paid_at=at("2026-06-01"))
        elif metric:
            account = open_account(member=person, role_type=consumer, account_type=growth)
            earn(account=account, points=metric, occurred_at=at("2026-06-01"), idempotency_key=f"k{n}",
                 now=at("2026-06-01"))
        row = member_level_for(member_role=role, scheme=scheme, now=at("2026-06-02"))
        above, below = levels[min(current + 1, len(levels) - 1)], levels[max(current - 1, 0)]
        floor_level, until = {"none": (None, None), "above": (above, None), "until_today": (above, ON),
                              "expired": (above, date(2026, 12, 31)), "below": (below, None)}[floor]
        MemberLevel.objects.filter(pk=row.pk).update(
            level=levels[current], reached_at=REACHED[n % len(REACHED)], next_review_on=ON,
            floor_level=floor_level, floor_until=until, floor_reason="测试" if floor_level else "")
    # Role holders without a level row yet (the preview counts them too).
    for _ in range(3):
        open_role(member=member(), role_type=consumer)


def state(scheme):
    """Keyed by member role: the rows the review itself creates get other ids in the second run."""
    levels = list(MemberLevel.objects.filter(scheme=scheme).order_by("member_role_id").values_list(
        "member_role_id", "level_id", "reached_at", "next_review_on", "floor_level_id", "floor_until",
        "floor_reason"))
    changes = list(LevelChange.objects.filter(scheme=scheme, review_date__isnull=False).order_by(
        "member_level__member_role_id").values_list(
        "member_id", "member_level__member_role_id", "kind", "from_level_id", "to_level_id", "metric_value", "rule",
        "review_date", "actor_label"))
    return levels, changes


def by_python(monkeypatch):
    """Route the review and the metric through the reference (generic) path."""
    monkeypatch.setattr(review, "_review_chunk_sql", review._review_chunk_python)
    monkeypatch.setattr(metrics, "_metric_sql", metrics._metric_chunk)


SCHEMES = [
    {"downgrade_policy": "one_level", "review_period": "monthly"},
    {"downgrade_policy": "to_supported", "review_period": "after_reached", "review_every_months": 5},
    {"downgrade_policy": "to_supported", "review_period": "yearly", "review_month": 2, "review_day": 29,
     "metric": "window_paid"},
    {"downgrade_policy": "one_level", "review_period": "after_reached", "review_every_months": 12,
     "metric": "lifetime_earned"},
]


@pytest.mark.parametrize("fields", SCHEMES, ids=lambda f: f"{f['downgrade_policy']}-{f['review_period']}")
def test_the_sql_review_writes_exactly_what_the_python_review_writes(fields, member, consumer, make_order,
                                                                    monkeypatch):
    # Given members on every rung with metrics at and around each threshold, and every kind of floor
    scheme = make_scheme(consumer, **fields)
    populate(scheme, member, consumer, make_order)

    # When the review of the day runs through the Python path (then is undone) and through SQL
    with monkeypatch.context() as patched, transaction.atomic():
        by_python(patched)
        expected_result = review_levels(on=ON, scheme=scheme, chunk=70).as_counts()
        expected = state(scheme)
        transaction.set_rollback(True)
    result = review_levels(on=ON, scheme=scheme, chunk=70).as_counts()

    # Then both wrote the same levels, review dates, floors and history, and counted the same
    assert state(scheme) == expected
    assert result == expected_result
    assert {"upgrade", "downgrade", "floor_expired", "kept"} <= set(result)


def test_a_second_sql_review_the_same_day_changes_nothing(member, consumer, make_order):
    # Given a day's review already done through SQL
    scheme = make_scheme(consumer, downgrade_policy="one_level", review_period="monthly")
    populate(scheme, member, consumer, make_order)
    review_levels(on=ON, scheme=scheme)
    before = state(scheme)

    # When it runs again
    again = review_levels(on=ON, scheme=scheme)

    # Then nothing is due and nothing changed
    assert again.reviewed == 0 and state(scheme) == before


@pytest.mark.parametrize("fields", SCHEMES[:3], ids=lambda f: f"{f['downgrade_policy']}-{f['review_period']}")
def test_the_sql_preview_counts_exactly_what_the_python_preview_counts(fields, member, consumer, make_order,
                                                                      monkeypatch):
    # Given the same members and new thresholds one below the old: some metrics sit exactly on them
    scheme = make_scheme(consumer, **fields)
    populate(scheme, member, consumer, make_order)
    proposed = {level.pk: (level.upgrade_threshold - 1, level.retain_threshold - 1)
                for level in Level.objects.filter(scheme=scheme) if level.rank}

    # When the preview runs through Python and through SQL
    with monkeypatch.context() as patched:
        by_python(patched)
        patched.setattr(preview, "connection", SimpleNamespace(vendor="sqlite"))
        expected = preview.preview_impact(scheme, proposed, now=at("2027-01-01", "09:00"), chunk=70)
    impact = preview.preview_impact(scheme, proposed, now=at("2027-01-01", "09:00"))

    # Then the counts, the moves and the samples are the same
    assert (impact.up, impact.down, impact.stay, impact.moves, impact.samples) == (
        expected.up, expected.down, expected.stay, expected.moves, expected.samples)
    assert impact.up and impact.down and impact.stay
