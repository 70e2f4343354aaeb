"""Orders → points: award the earn rules an order qualifies for, claw back refunds.

Fed by `members.hooks.orders_changed` (imports send every created/changed order id of a chunk,
the order admin sends one) and callable directly. Idempotent: an (order, rule) earns once —
whoever owns the order after merges — and a refund claws back only what it still demands, so
running the same orders again writes nothing.

The earns of a chunk are one set-based statement (`bulk_earn`); accounts in debt go through the
per-account `earn` service (a new lot repays the debt first). Refunds are per earn entry (they are
few and each needs its own lot choice).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.bulk_insert import filter_in
from loyalty.calendar import local_date
from loyalty.earning import ORDER_FIELDS, Award, active_rules, awards_for
from loyalty.hooks import points_posted
from loyalty.models import EntryKind, LedgerEntry
from loyalty.policies import available_at_for, expires_at_for
from members.models import Order

from .accounts import accounts_for
from .bulk_earn import BulkRow, bulk_earn
from .earning import earn
from .ledger import lock_accounts
from .refunds import FULL_REFUND_STATUSES, claw_back, earns_due_for_clawback, refund_account_id

CHUNK = 5000


@dataclass
class AwardResult:
    orders: int = 0
    earned_entries: int = 0
    earned_points: int = 0
    clawbacks: int = 0
    clawed_points: int = 0
    unrecovered_points: int = 0
    by_path: Counter = field(default_factory=Counter)


def order_key(order_id: int, rule_id: int) -> str:
    return f"order:{order_id}:rule:{rule_id}"


def award_orders(*, order_ids, source: str = "", now: datetime | None = None, chunk_size: int = CHUNK) -> AwardResult:
    """Earn and claw back for these orders, one transaction per chunk."""
    now = now or timezone.now()
    ids = sorted(set(order_ids))
    result = AwardResult()
    rules = active_rules()
    for start in range(0, len(ids), chunk_size):
        with transaction.atomic(), points_posted.batch():  # one announcement per chunk
            _award_chunk(ids[start:start + chunk_size], rules, source=source, now=now, result=result)
    return result


def _award_chunk(ids: list[int], rules, *, source: str, now: datetime, result: AwardResult) -> None:
    orders = filter_in(Order.objects.filter(member__isnull=False), "id", ids).only(*ORDER_FIELDS)
    if not rules:  # nothing can earn: only refunds of earlier earns matter
        orders = orders.filter(Q(refunded_amount__gt=0) | Q(status__in=FULL_REFUND_STATUSES))
    orders = list(orders)
    result.orders += len(orders)
    awards = awards_for(orders, rules) if rules else []
    if awards:
        done = set(
            filter_in(LedgerEntry.objects.filter(kind=EntryKind.EARN, rule__isnull=False), "order", ids)
            .values_list("order_id", "rule_id")
        )
        awards = [a for a in awards if (a.order.pk, a.rule.pk) not in done]
    first_day: dict[int, object] = {}
    for award in awards:
        day = local_date(award.occurred_at)
        first_day[award.order.member_id] = min(first_day.get(award.order.member_id, day), day)
    account_of = accounts_for(
        {(a.order.member_id, a.rule.role_type_id, a.rule.account_type_id) for a in awards}, started_on=first_day
    )
    prior_refunds = earns_due_for_clawback(orders)
    locked = lock_accounts({*account_of.values(), *(refund_account_id(e, o) for e, o in prior_refunds)})
    actor_label = (source or "orders")[:64]

    bulk, single = [], []
    for award in awards:
        account = locked[account_of[(award.order.member_id, award.rule.role_type_id, award.rule.account_type_id)]]
        (bulk if account.available >= 0 else single).append((account, award))
    if bulk:
        written, points = bulk_earn([_bulk_row(account, award, now) for account, award in bulk],
                                    actor_label=actor_label)
        result.earned_entries += written
        result.earned_points += points
        result.by_path["bulk"] += written
    for account, award in single:
        entry = earn(account=account, points=award.points, occurred_at=award.occurred_at,
                     idempotency_key=order_key(award.order.pk, award.rule.pk), order=award.order, rule=award.rule,
                     pending_days=award.rule.pending_days, reason=award.rule.name, actor_label=actor_label, now=now,
                     levels=False)  # the order hook evaluates the batch's levels once
        if not getattr(entry, "replayed", False):
            result.earned_entries += 1
            result.earned_points += award.points
            result.by_path["single"] += 1

    for earn_entry, order in earns_due_for_clawback(orders):
        entry = claw_back(earn_entry=earn_entry, order=order, now=now, actor_label=actor_label)
        if entry is not None and not getattr(entry, "replayed", False):
            result.clawbacks += 1
            result.clawed_points += entry.unrecovered - entry.amount - entry.pending_delta
            result.unrecovered_points += entry.unrecovered


def _bulk_row(account, award: Award, now: datetime) -> BulkRow:
    account_type = account.account_type
    days = account_type.pending_days if award.rule.pending_days is None else award.rule.pending_days
    available_at = available_at_for(award.occurred_at, days)
    return BulkRow(
        account_id=account.pk, order_id=award.order.pk, rule_id=award.rule.pk, points=award.points,
        occurred_at=award.occurred_at, available_at=available_at,
        expires_at=expires_at_for(account_type, award.occurred_at),
        pending=available_at is not None and available_at > now,
        key=order_key(award.order.pk, award.rule.pk), reason=award.rule.name,
    )

