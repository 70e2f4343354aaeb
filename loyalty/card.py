"""What loyalty adds to the member card (members/card.py): levels with the distance to the next
one, points with what expires soon, and the points movements and level changes on the timeline.

"Expiring in the next 60 days" counts lots whose last valid day (Asia/Shanghai) is today through
today + 60: a lot valid "to the end of 31 December" has expires_at = 1 January 00:00 (loyalty/calendar),
so it is shown as expiring on 31 December.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, OuterRef, Subquery, Sum
from django.db.models.functions import Cast, JSONObject

from members.card import CardSection, TimelineSource, Viewer, card_sections, timeline_row, timeline_sources

from .calendar import end_of_day, local_date
from .levels.metrics import metric_values
from .models import (
    AccountStatus,
    Benefit,
    EntryKind,
    LedgerEntry,
    Level,
    LevelChange,
    LevelChangeKind,
    LevelMetric,
    LotState,
    MemberLevel,
    PointsAccount,
    PointsLot,
    RoleStatus,
)

EXPIRY_WINDOW_DAYS = 60
ONE_MICROSECOND = timedelta(microseconds=1)


def gap_text(metric: str, gap: Decimal, unit: str, next_name: str) -> str:
    """"再消费 ¥380 升级金卡" and its siblings for the other metrics. A gap of 0 (the metric reached the
    threshold, e.g. after an admin lowered it; the upgrade follows at the next evaluation) is said so."""
    if gap <= 0:
        return f"已达到{next_name}升级条件，待系统升级"
    if metric == LevelMetric.WINDOW_PAID:
        return f"再消费 ¥{gap:,.2f} 升级{next_name}".replace(".00 ", " ")
    if metric == LevelMetric.WINDOW_ORDERS:
        return f"再下 {int(gap)} 单升级{next_name}"
    return f"再获得 {int(gap):,} {unit}升级{next_name}"


def levels(member, viewer: Viewer) -> list[dict] | None:
    next_level = Level.objects.filter(scheme_id=OuterRef("scheme_id"), rank__gt=OuterRef("level__rank")).order_by("rank")
    rows = list(
        MemberLevel.objects.filter(member_id=member.pk, member_role__status=RoleStatus.ACTIVE, scheme__active=True)
        .select_related("scheme__account_type", "level", "member_role__role_type")
        .annotate(
            next_name=Subquery(next_level.values("name")[:1]),
            next_threshold=Subquery(next_level.values("upgrade_threshold")[:1]),
            benefit_names=ArraySubquery(
                Benefit.objects.filter(levels=OuterRef("level_id"), active=True).order_by("pk").values("name")
            ),
        )
        .order_by("scheme_id")
    )
    if not rows:
        return None
    shown = []
    for row in rows:
        scheme = row.scheme
        unit = scheme.account_type.name if scheme.account_type_id else ""
        entry = {
            "role": row.member_role.role_type.name, "scheme": scheme.name, "scheme_code": scheme.code,
            "level": row.level.name, "rank": row.level.rank, "reached_at": row.reached_at,
            "next_review_on": row.next_review_on, "metric": scheme.metric,
            "metric_label": scheme.get_metric_display(), "unit": unit, "benefits": list(row.benefit_names),
            "next": None,
        }
        if row.next_name is not None:
            value = metric_values(scheme, [row.member_role_id], viewer.now)[row.member_role_id]
            gap = max(Decimal(row.next_threshold) - value, Decimal("0"))
            entry["metric_value"] = value
            entry["next"] = {"name": row.next_name, "threshold": row.next_threshold, "gap": gap,
                             "text": gap_text(scheme.metric, gap, unit, row.next_name)}
        shown.append(entry)
    return shown


def points(member, viewer: Viewer) -> list[dict] | None:
    until = end_of_day(viewer.today + timedelta(days=EXPIRY_WINDOW_DAYS))
    expiring = (
        PointsLot.objects.filter(account_id=OuterRef("pk"), state=LotState.AVAILABLE, remaining__gt=0,
                                 expires_at__gt=viewer.now, expires_at__lte=until)
        .values("expires_at").annotate(total=Sum("remaining")).order_by("expires_at")
        .values(json=JSONObject(at="expires_at", points="total"))
    )
    accounts = list(
        PointsAccount.objects.filter(member_id=member.pk, status=AccountStatus.ACTIVE)
        .select_related("account_type").annotate(expiring=ArraySubquery(expiring)).order_by("account_type_id")
    )
    if not accounts:
        return None
    shown = []
    for account in accounts:
        by_day: dict = {}
        for lot in account.expiring:
            day = local_date(_instant(lot["at"]) - ONE_MICROSECOND)
            by_day[day] = by_day.get(day, 0) + int(lot["points"])
        shown.append({
            "type": account.account_type.name, "type_code": account.account_type.code,
            "available": account.available, "pending": account.pending, "lifetime": account.lifetime_earned,
            "expiring": [{"on": day, "points": n} for day, n in sorted(by_day.items())],
            "expiring_total": sum(by_day.values()),
        })
    return shown


def _instant(value):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if isinstance(value, str) else value


def _ledger_rows(member_id: int):
    return timeline_row(
        LedgerEntry.objects.filter(account__member_id=member_id), kind="points", at="occurred_at",
        entry_kind="kind", amount="amount", pending="pending_delta", type="account__account_type__name",
        reason="reason", order="order__external_no", actor="actor_label",
    )


def _describe_ledger(data: dict, viewer: Viewer) -> dict:
    amount, pending = int(data["amount"] or 0), int(data["pending"] or 0)
    shown = amount or pending
    reason = data.get("reason") or ""
    if data.get("order"):
        reason = f"订单 {data['order']} " + reason
    return {
        "title": f"{data['type']} · {EntryKind(data['entry_kind']).label}" + ("（待发放）" if not amount and pending else ""),
        "detail": viewer.shown(reason.strip()),
        "amount": f"{shown:+,} {data['type']}",
        "actor": data.get("actor") or "",
    }


def _level_rows(member_id: int):
    return timeline_row(
        LevelChange.objects.filter(member_id=member_id), kind="level", at="created_at",
        change="kind", scheme="scheme__name", to="to_level__name", source="from_level__name",
        metric=Cast("metric_value", CharField()), rule="rule", actor="actor_label",
    )


def _describe_level(data: dict, viewer: Viewer) -> dict:
    moved = f"{data['source']} → {data['to']}" if data.get("source") else data["to"]
    return {
        "title": f"{data['scheme']} · {LevelChangeKind(data['change']).label}：{moved}",
        "detail": data.get("rule") or "",
        "actor": data.get("actor") or "",
    }


def register() -> None:
    card_sections.connect(CardSection("levels", "角色与等级", 20, levels))
    card_sections.connect(CardSection("points", "积分", 30, points))
    timeline_sources.connect(TimelineSource("points", "积分", _ledger_rows, _describe_ledger))
    timeline_sources.connect(TimelineSource("level", "等级", _level_rows, _describe_level))
