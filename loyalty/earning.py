"""Which earn rules an order matches and how many points each gives.

Level multipliers (e.g. 金卡 ×1.5) plug in through `multiplier_providers`: the level schemes
(a later issue) register a provider in their AppConfig.ready():

    from loyalty import earning
    earning.multiplier_providers.connect(level_multipliers)

A provider is `provider(rule, member_ids) -> {member_id: Decimal}`; members it leaves out get 1.
The multipliers of all providers are multiplied. With no provider every multiplier is 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from core.hooks import Hook
from members.models import Order, OrderStatus

from .calendar import local_date
from .models import EarnBasis, EarnRule, EarnTrigger

multiplier_providers = Hook("multiplier_providers", "provider(rule, member_ids) -> {member_id: Decimal}")

ONE = Decimal("1")
PAID_TRIGGER_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED)
COMPLETED_TRIGGER_STATUSES = (OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED)
ORDER_FIELDS = ("pk", "member_id", "channel", "status", "paid_amount", "refunded_amount", "paid_at", "completed_at")


@dataclass(frozen=True)
class Award:
    order: Order
    rule: EarnRule
    points: int
    occurred_at: datetime


def active_rules() -> list[EarnRule]:
    return list(
        EarnRule.objects.filter(active=True, account_type__active=True, role_type__active=True)
        .select_related("account_type", "role_type")
        .order_by("account_type_id", "priority", "pk")
    )


def trigger_time(rule: EarnRule, order: Order) -> datetime | None:
    """When the order triggers the rule, or None if it does not (yet).

    A 已完成 order without a completion time (exports that lack 确认收货时间) counts from its
    payment time, the closest business time we know; a partially refunded order counts as
    completed only with a completion time.
    """
    if rule.trigger == EarnTrigger.PAID:
        return order.paid_at if order.status in PAID_TRIGGER_STATUSES else None
    if order.status not in COMPLETED_TRIGGER_STATUSES:
        return None
    if order.completed_at is None and order.status == OrderStatus.COMPLETED:
        return order.paid_at
    return order.completed_at


def matches(rule: EarnRule, order: Order) -> datetime | None:
    """The trigger time if the order qualifies for the rule, else None."""
    moment = trigger_time(rule, order)
    if moment is None or order.member_id is None:
        return None
    if order.paid_amount is None or order.paid_amount <= 0 or order.paid_amount < rule.min_order_amount:
        return None
    if rule.channels and order.channel not in rule.channels:
        return None
    day = local_date(moment)
    if (rule.starts_on and day < rule.starts_on) or (rule.ends_on and day > rule.ends_on):
        return None
    return moment


def base_points(rule: EarnRule, order: Order, multiplier: Decimal = ONE) -> int:
    if rule.basis == EarnBasis.AMOUNT:
        raw = order.paid_amount * rule.points_per_yuan * multiplier
    else:
        raw = Decimal(rule.fixed_points or 0) * multiplier
    return int(raw.to_integral_value(rounding=ROUND_FLOOR))


def select_rules(matching: list[EarnRule]) -> list[EarnRule]:
    """Per account type: the best non-stackable rule (smallest priority, then oldest) plus every stackable one."""
    by_type: dict[int, list[EarnRule]] = defaultdict(list)
    for rule in matching:
        by_type[rule.account_type_id].append(rule)
    chosen = []
    for rules in by_type.values():
        rules.sort(key=lambda r: (r.priority, r.pk))
        exclusive = [r for r in rules if not r.stackable]
        chosen.extend(exclusive[:1] + [r for r in rules if r.stackable])
    return chosen


def multipliers_for(rule: EarnRule, member_ids: list[int]) -> dict[int, Decimal]:
    result = dict.fromkeys(member_ids, ONE)
    for provider in multiplier_providers:
        for member_id, factor in (provider(rule, member_ids) or {}).items():
            if member_id in result:
                result[member_id] *= Decimal(factor)
    return result


def awards_for(orders: Iterable[Order], rules: list[EarnRule]) -> list[Award]:
    """Every (order, rule) award the orders qualify for now, with points > 0."""
    orders = list(orders)
    picked: list[tuple[Order, EarnRule, datetime]] = []
    for order in orders:
        hits = {rule.pk: moment for rule in rules if (moment := matches(rule, order)) is not None}
        for rule in select_rules([r for r in rules if r.pk in hits]):
            picked.append((order, rule, hits[rule.pk]))
    factors: dict[int, dict[int, Decimal]] = {}
    if multiplier_providers:
        members_by_rule: dict[int, set[int]] = defaultdict(set)
        for order, rule, _ in picked:
            members_by_rule[rule.pk].add(order.member_id)
        rule_of = {rule.pk: rule for rule in rules}
        factors = {pk: multipliers_for(rule_of[pk], sorted(ids)) for pk, ids in members_by_rule.items()}
    awards = []
    for order, rule, moment in picked:
        factor = factors.get(rule.pk, {}).get(order.member_id, ONE)
        points = base_points(rule, order, factor)
        if points > 0:
            awards.append(Award(order=order, rule=rule, points=points, occurred_at=moment))
    return awards
