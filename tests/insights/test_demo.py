"""The quick start's insights (`seed_insights_demo`): models, segments and three dated runs."""

import random
from datetime import date, timedelta

import pytest

from insights.demo import MODELS, SEGMENTS, seed_insights_demo
from insights.models import ModelRun, Segment, SegmentSize, ValueModel
from tests.conftest import at

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 31)


def test_the_demo_creates_models_and_segments_and_runs_three_dates():
    # given 60 members with a couple of years of random orders
    rng = random.Random(3)
    for n in range(60):
        member = make_member(gender="F" if n % 2 else "M", mobile=f"+86139000{n:05d}")
        for _ in range(rng.randint(1, 5)):
            order(member, at((TODAY - timedelta(days=rng.randint(0, 700))).isoformat()), paid=str(rng.randint(50, 900)))
    # when the demo is seeded
    results = seed_insights_demo(TODAY)
    # then every model ran on three dates a month apart, and every segment has its sizes
    assert [r.as_of for r in results] == [TODAY - timedelta(days=60), TODAY - timedelta(days=30), TODAY]
    assert all(not r.failed for r in results), [r.failed for r in results]
    assert ValueModel.objects.count() == len(MODELS) and ModelRun.objects.count() == 3 * len(MODELS)
    assert Segment.objects.count() == len(SEGMENTS) and SegmentSize.objects.count() == 3 * len(SEGMENTS)
