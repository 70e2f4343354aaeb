"""The demo tags of the quick start: every condition valid, every extractor known, tags on members
at once, and a second run changing nothing."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from members.conditions.tree import parse
from members.conditions.windows import SHANGHAI, shanghai_today
from members.models import Order, OrderLine
from tagging import demo
from tagging.extractors import extractors
from tagging.models import Tag, TagChange, TagKind, TagMembership
from tests.members.conditions.helpers import make_member

pytestmark = pytest.mark.django_db


def test_every_demo_condition_parses_and_every_extractor_exists():
    for *_, condition, _ in demo.DYNAMIC:
        parse(condition)  # raises with the path on any mistake
    for code, _, extractor, params, _ in demo.VARIABLE:
        assert extractors.get(extractor).validate(params) is not None, code


@override_settings(DEBUG=True)
def test_seeding_puts_every_kind_on_members_and_a_second_run_changes_nothing():
    # given shoppers with orders over the last months, one born next week
    today = shanghai_today()
    for n in range(12):
        member = make_member(gender="F", birthday=(today + timedelta(days=7)).replace(year=1990))
        for k in range(3):
            paid_at = datetime.combine(today - timedelta(days=20 * k + n), datetime.min.time(), SHANGHAI)
            order = Order.objects.create(channel="pos" if k else "tmall", external_no=f"S{n}-{k}", member=member,
                                         status="paid", paid_amount=Decimal("1200"), paid_at=paid_at)
            OrderLine.objects.create(order=order, line_no=1, sku=f"SKU{k}", category="护肤", title="精华",
                                     quantity=1, price=Decimal("1200"))
    # when the demo is seeded
    summary = demo.seed_tag_demo()
    # then every tag computed without error, and each kind is held by someone
    assert [r for r in summary.results if r.error] == []
    held = set(TagMembership.objects.values_list("tag__kind", flat=True))
    assert held == {TagKind.STATIC, TagKind.DYNAMIC, TagKind.VARIABLE}
    assert TagMembership.objects.filter(tag__code="high_value_active").count() == 12
    assert TagMembership.objects.filter(tag__code="multi_channel").count() == 12
    assert set(TagMembership.objects.filter(tag__code="fav_category").values_list("value", flat=True)) == {"护肤"}
    # and a second run writes nothing
    changes = TagChange.objects.count()
    again = demo.seed_tag_demo()
    assert again.created == 0 and again.static_applied == 0 and TagChange.objects.count() == changes
    assert Tag.objects.count() == len(demo.STATIC) + len(demo.DYNAMIC) + len(demo.VARIABLE)
