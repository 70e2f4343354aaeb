"""The 经营看板's figures, read from the daily aggregates only (never the orders or the ledger), as
tables: each chart is drawn from one and downloads it as CSV. About a dozen queries per page,
whatever the number of members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Max, Sum
from django.db.models.functions import TruncMonth

from loyalty.calendar import add_months, month_start
from members.models import Store

from ..models import (
    LevelSnapshot,
    MemberSnapshot,
    ModelKind,
    NewMembersDay,
    PointsDay,
    PointsSnapshot,
    SalesDay,
    TierMoveSnapshot,
    TierSnapshot,
    ValueModel,
)
from ..scoring import Tier, scorer_for
from .filters import LEVEL_NAMES, Filters, label, url_value

CENT = Decimal("0.01")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def as_rows(self) -> list[list]:
        """Header and rows as downloaded; a row may carry keys for the chart after its columns."""
        return [self.columns, *(row[:len(self.columns)] for row in self.rows)]


@dataclass
class TierModel:
    model: ValueModel
    tiers: list[Tier]

    def name(self, code: str) -> str:
        return next((t.name for t in self.tiers if t.code == code), code or "（未参与）")


@dataclass
class Dashboard:
    as_of: date | None  # the date of the newest aggregates (数据截至)
    snapshot: date | None  # the snapshot shown: the newest on or before the range's end
    filters: Filters
    months: list[date]
    tables: dict[str, Table]
    totals: dict[str, object]
    point_type: str  # the account type of the headline points figures
    crumbs: list[tuple[str, str]]  # (label, query string) from 全部 down to the chosen place
    rfm: TierModel | None = None
    value: TierModel | None = None  # the custom model: the value pyramid and its migration


def _ratio(part, whole) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def _aov(paid, orders) -> Decimal:
    return (Decimal(paid) / orders).quantize(CENT) if orders else Decimal("0.00")


def _months(start: date, end: date) -> list[date]:
    months, month = [], month_start(start)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def latest_date() -> date | None:
    return MemberSnapshot.objects.aggregate(latest=Max("as_of"))["latest"]


def dashboard(filters: Filters, latest: date | None) -> Dashboard:
    place, start, end = filters.place(), filters.start, filters.end
    snapshot = latest if latest is None or latest <= end else \
        MemberSnapshot.objects.filter(as_of__lte=end).aggregate(d=Max("as_of"))["d"]
    months = _months(start, end)
    stores = _store_names(filters)
    tables: dict[str, Table] = {}
    totals: dict[str, object] = {}

    in_range = {"day__gte": start, "day__lte": end}
    sales = (SalesDay.objects.filter(place, **in_range).annotate(month=TruncMonth("day"))
             .values("month", "channel").annotate(orders=Sum("orders"), paid=Sum("paid"), refunded=Sum("refunded"))
             .order_by("month", "channel"))
    tables["sales"] = Table("销售（按月、订单渠道）", ["月份", "渠道", "订单数", "实付净额", "退款金额", "客单价"], [
        [f"{r['month']:%Y-%m}", label("channel", r["channel"]), r["orders"], r["paid"], r["refunded"],
         _aov(r["paid"], r["orders"]), r["channel"]] for r in sales])
    totals["orders"] = sum(r[2] for r in tables["sales"].rows)
    totals["paid"] = sum((r[3] for r in tables["sales"].rows), Decimal("0.00"))
    totals["aov"] = _aov(totals["paid"], totals["orders"])

    joined = (NewMembersDay.objects.filter(place, **in_range).annotate(month=TruncMonth("day"))
              .values("month", "channel").annotate(members=Sum("members")).order_by("month", "channel"))
    tables["new_members"] = Table("新会员（按月、注册渠道）", ["月份", "注册渠道", "新会员数"], [
        [f"{r['month']:%Y-%m}", label("channel", r["channel"]), r["members"], r["channel"]] for r in joined])
    totals["new_members"] = sum(r[2] for r in tables["new_members"].rows)

    tables["breakdown"], member_totals = _breakdown(filters, snapshot, stores)
    totals.update(member_totals)

    moved = (PointsDay.objects.filter(place, **in_range).annotate(month=TruncMonth("day"))
             .values("month", "account_type_id", type_name=F("account_type__name"))
             .annotate(issued=Sum("issued"), redeemed=Sum("redeemed"), expired=Sum("expired"))
             .order_by("account_type_id", "month"))
    tables["points"] = Table("积分变动（按月、积分类型）", ["月份", "积分类型", "发放", "兑换（净）", "过期"], [
        [f"{r['month']:%Y-%m}", r["type_name"], r["issued"], r["redeemed"], r["expired"]] for r in moved])
    outstanding = (PointsSnapshot.objects.filter(place, as_of=snapshot)
                   .values("account_type_id", type_name=F("account_type__name"))
                   .annotate(accounts=Sum("accounts"), outstanding=Sum("outstanding")).order_by("account_type_id"))
    tables["liability"] = Table("积分未兑付余额（可用正数部分 + 待发放）", ["积分类型", "账户数", "未兑付"], [
        [r["type_name"], r["accounts"], r["outstanding"]] for r in outstanding])
    point_type = tables["liability"].rows[0][0] if tables["liability"].rows else ""
    for column, name in enumerate(("issued", "redeemed", "expired"), start=2):
        totals[f"points_{name}"] = sum(r[column] for r in tables["points"].rows if r[1] == point_type)
    totals["points_outstanding"] = tables["liability"].rows[0][2] if tables["liability"].rows else 0

    levels = (LevelSnapshot.objects.filter(place, as_of=snapshot)
              .values(scheme=F("level__scheme__name"), name=F("level__name"), rank=F("level__rank"))
              .annotate(members=Sum("members")).order_by("level__scheme_id", "rank"))
    tables["levels"] = Table("等级分布", ["等级组", "等级", "会员数"], [
        [r["scheme"], r["name"], r["members"]] for r in levels])

    dashboard = Dashboard(latest, snapshot, filters, months, tables, totals, point_type, _crumbs(filters, stores))
    _tier_tables(dashboard, place, snapshot)
    return dashboard


def _store_names(filters: Filters) -> dict[int, str]:
    """Names of the stores the page may show: those of the chosen city (or the chosen store)."""
    if isinstance(filters.store, int):
        return dict(Store.objects.filter(pk=filters.store).values_list("pk", "name"))
    if filters.stores is not None:
        return dict(Store.objects.filter(pk__in=filters.stores).values_list("pk", "name"))
    return {}


def _breakdown(filters: Filters, snapshot, stores: dict) -> tuple[Table, dict]:
    """The next drill level's members (snapshot) and sales (range), and the place's totals."""
    level = filters.next_level or "store"
    column = "store_id" if level == "store" else level
    members = {r[column]: r for r in (
        MemberSnapshot.objects.filter(filters.place(), as_of=snapshot).values(column)
        .annotate(members=Sum("members"), active=Sum("active"), buyers=Sum("buyers"),
                  repeat_buyers=Sum("repeat_buyers")))}
    sales = {r[column]: r for r in (
        SalesDay.objects.filter(filters.place(), day__gte=filters.start, day__lte=filters.end).values(column)
        .annotate(orders=Sum("orders"), paid=Sum("paid")))}
    if level == "store":
        stores.update(Store.objects.filter(pk__in=[k for k in {*members, *sales} if k]).values_list("pk", "name"))
    table = Table(f"按{LEVEL_NAMES[level]}", [LEVEL_NAMES[level], "会员数", "活跃会员", "活跃率%", "购买会员",
                                                "复购会员", "复购率%", "订单数", "实付净额", "客单价"])
    zero = {"members": 0, "active": 0, "buyers": 0, "repeat_buyers": 0, "orders": 0, "paid": Decimal("0.00")}
    for key in sorted({*members, *sales}, key=lambda k: -(sales.get(k) or {}).get("paid", 0)):
        row = {**zero, **members.get(key, {}), **sales.get(key, {})}
        table.rows.append([
            label(level, key, stores), row["members"], row["active"], _ratio(row["active"], row["members"]),
            row["buyers"], row["repeat_buyers"], _ratio(row["repeat_buyers"], row["buyers"]), row["orders"],
            row["paid"], _aov(row["paid"], row["orders"]), url_value(key)])
    total = {name: sum(r[i] for r in table.rows) for name, i in
             (("members", 1), ("active", 2), ("buyers", 4), ("repeat_buyers", 5))}
    total["active_rate"] = _ratio(total["active"], total["members"])
    total["repeat_rate"] = _ratio(total["repeat_buyers"], total["buyers"])
    return table, total


def _crumbs(filters: Filters, stores: dict) -> list[tuple[str, str]]:
    # Store staff see their stores only: the top of the trail names them instead of 全部.
    top = "全部" if filters.stores is None else "、".join(stores.get(pk, f"门店 #{pk}") for pk in filters.stores)
    crumbs = [(top, filters.widen_to("channel"))]
    levels = [level for level, _ in filters.chosen]
    for i, (level, value) in enumerate(filters.chosen):
        deeper = levels[i + 1] if i + 1 < len(levels) else None
        crumbs.append((label(level, value, stores), filters.widen_to(deeper)))
    return crumbs


def _tier_tables(dashboard: Dashboard, place, snapshot) -> None:
    """RFM groups with their spend; the custom model's value pyramid and its migration on the date."""
    models = {}
    for model in ValueModel.objects.filter(active=True, kind__in=[ModelKind.RFM, ModelKind.CUSTOM]).order_by("pk"):
        models.setdefault(model.kind, model)  # the oldest active model of each kind
    for kind, attribute in ((ModelKind.RFM, "rfm"), (ModelKind.CUSTOM, "value")):
        if kind in models:
            model = models[kind]
            setattr(dashboard, attribute, TierModel(model, scorer_for(model.kind).tiers(model.config)))
    if not models:
        return
    sizes = {(r["model_id"], r["tier"]): r for r in (
        TierSnapshot.objects.filter(place, as_of=snapshot, model_id__in=[m.pk for m in models.values()])
        .values("model_id", "tier").annotate(members=Sum("members"), spend=Sum("spend")))}
    for attribute, title in (("rfm", "RFM 分组人数与消费"), ("value", "价值分层")):
        tier_model = getattr(dashboard, attribute)
        if tier_model is None:
            continue
        table = Table(f"{title}（{tier_model.model.name}）", ["分层", "会员数", "近365天实付净额", "人均"])
        for tier in tier_model.tiers:
            row = sizes.get((tier_model.model.pk, tier.code), {"members": 0, "spend": Decimal("0.00")})
            table.rows.append([tier.name, row["members"], row["spend"], _aov(row["spend"], row["members"])])
        dashboard.tables[attribute] = table
    migrating = dashboard.value or dashboard.rfm
    moves = (TierMoveSnapshot.objects.filter(place, as_of=snapshot, model=migrating.model)
             .values("from_tier", "to_tier").annotate(members=Sum("members")).order_by("-members"))
    dashboard.tables["moves"] = Table(f"分层迁移（{migrating.model.name}，{snapshot} 的运行）", ["原分层", "新分层", "人数"], [
        [migrating.name(r["from_tier"]), migrating.name(r["to_tier"]), r["members"], r["from_tier"], r["to_tier"]]
        for r in moves])

