"""What insights adds to the member card (members/card.py): the value models' results with their
"why", and the buying habits the text portrait speaks of (spend, frequency, preferred category and
store over the last 365 days).

The models' tiers come from the nightly run (MemberValue); the habits from the metrics row plus one
statement for the category and store shares, which the metrics row does not keep.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.expressions import RawSQL

from members.card import CardSection, Viewer, card_sections
from members.models.choices import Channel

from .models import MemberMetrics, MemberValue, ModelKind, ModelRun
from .why import explain_value, tier_name

HABIT_DAYS = 365
# The category, store and channel shares of the last 365 days, as one JSON array (one statement
# with the metrics row): [{"kind": "category" | "store" | "channel", "name", "amount"}].
_SHARES_SQL = """
    SELECT coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'name', name, 'amount', amount)), '[]'::jsonb) FROM (
        WITH recent AS (
            SELECT o.id, o.store_id, o.channel FROM members_order o
            WHERE o.member_id = %s AND NOT o.is_deleted AND o.paid_amount > o.refunded_amount
              AND o.ordered_at >= %s
        )
        (SELECT 'category' AS kind, l.category AS name, sum(l.price * l.quantity) AS amount FROM recent r
         JOIN members_orderline l ON l.order_id = r.id WHERE l.category <> ''
         GROUP BY l.category ORDER BY 3 DESC LIMIT 3)
        UNION ALL
        (SELECT 'store', s.name, count(*) FROM recent r JOIN members_store s ON s.id = r.store_id
         GROUP BY s.name ORDER BY 3 DESC LIMIT 3)
        UNION ALL
        (SELECT 'channel', r.channel, count(*) FROM recent r GROUP BY r.channel ORDER BY 3 DESC)
    ) shares
"""


def values(member, viewer: Viewer) -> list[dict] | None:
    run = ModelRun.objects.filter(model_id=OuterRef("model_id"), as_of=OuterRef("as_of"))
    rows = list(MemberValue.objects.filter(member_id=member.pk, model__active=True)
                .select_related("model").annotate(run_metrics=Subquery(run.values("summary__metrics")[:1]))
                .order_by("model__kind", "model_id"))
    if not rows:
        return None
    shown = []
    for row in rows:
        detail = row.detail or {}
        shown.append({
            "model": row.model.name, "model_code": row.model.code, "kind": row.model.kind,
            "kind_label": ModelKind(row.model.kind).label, "tier": row.tier, "tier_name": tier_name(row),
            "score": row.score, "as_of": row.as_of, "why": explain_value(row),
            "stage": detail.get("stage") if row.model.kind == ModelKind.ACTIVITY else None,
            "churn_risk": detail.get("churn_risk"), "expected_purchases_90d": detail.get("expected_purchases_90d"),
            "clv": detail.get("clv"),
        })
    return shown


def habits(member, viewer: Viewer) -> dict | None:
    since = viewer.now - timedelta(days=HABIT_DAYS)
    metrics = (MemberMetrics.objects.filter(member_id=member.pk)
               .annotate(shares=RawSQL(_SHARES_SQL, (member.pk, since), output_field=JSONField())).first())
    if metrics is None or not metrics.orders_total:
        return None
    shares = [(row["kind"], row["name"], row["amount"]) for row in metrics.shares or []]
    categories = [(name, Decimal(str(amount))) for kind, name, amount in shares if kind == "category"]
    stores = [(name, int(n)) for kind, name, n in shares if kind == "store"]
    channels_365d = [Channel(name).label for kind, name, _ in shares if kind == "channel" and name in Channel.values]
    category_total = sum((amount for _, amount in categories), Decimal("0"))
    last = metrics.last_order_date
    return {
        "as_of": metrics.as_of,
        "orders_365d": metrics.orders_365d, "paid_365d": metrics.paid_365d,
        "orders_total": metrics.orders_total, "paid_total": metrics.paid_total,
        "average_order_value": metrics.average_order_value,
        "purchase_interval_days": metrics.purchase_interval_days,
        "first_order_date": metrics.first_order_date, "last_order_date": last,
        "days_since_last_order": (viewer.today - last).days if last else None,
        "channels": [Channel(c).label for c in metrics.channels if c in Channel.values],
        "channels_365d": channels_365d,
        "refund_rate": metrics.refund_rate,
        # Shares among the categorised lines of the last 365 days (lines without a category left out).
        "top_category": {"name": categories[0][0], "share": float(categories[0][1] / category_total)}
        if categories and category_total > 0 else None,
        "top_store": {"name": stores[0][0], "orders": stores[0][1]} if stores else None,
    }


def register() -> None:
    card_sections.connect(CardSection("habits", "消费习惯", 35, habits))
    card_sections.connect(CardSection("values", "客户价值", 50, values))
