"""Insights' side of the member condition language, registered from InsightsConfig.ready().

`metrics.<name>`: the figures of the member metrics table (models/metrics.py) — orders and net paid
amount in the last 30 / 90 / 180 / 365 days and lifetime, AOV, first and last order date, days since
the last order, purchase interval, refund rate, channels and stores bought from. They read the row the
nightly run (and the refresh after each change) wrote, so a leaf costs one join on the member key
rather than an aggregate over the orders: what keeps a five-leaf segment count interactive at millions.
A member without a row yet (created since the last refresh) reads as a member without orders.

`insights.tier.<model>`, `insights.score.<model>` (and `insights.stage.<activity model>`): the member's
result in a value model's latest run — RFM group, activity tier, value tier, CLV — as
`id IN (results meeting the leaf)`, which the (model, tier) index answers.

The windows are fixed by the table, as of its date; for any other window the live `orders.*` fields
remain. `metrics.days_since_last_order` is derived at evaluation (evaluation date − last order date).
"""

from __future__ import annotations

from django.db.models import (
    BigIntegerField,
    DateField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce

from loyalty.models import LevelScheme, PointsAccountType
from members.conditions.registry import Field, FieldRegistry, FieldType, PerMember
from members.models import Channel, Store

from .models import MemberMetrics, MemberValue, ModelKind, ValueModel
from .models.metrics import WINDOWS
from .scoring import scorer_for
from .scoring.activity import STAGES

PREFIX = "metrics."


def _row(member):
    return MemberMetrics.objects.filter(member=member).first()


def _column(name: str, label: str, kind: FieldType, *, default=None, help_text: str = "") -> Field:
    """A figure stored in the column `name`; `default`: the value of a member without a row."""
    def value_sql(ctx):
        column = F(f"metrics__{name}")
        if default is None:
            return column
        return Coalesce(column, Value(default), output_field=MemberMetrics._meta.get_field(name))

    def read(member, ctx):
        row = _row(member)
        return getattr(row, name) if row is not None else default

    return Field(key=PREFIX + name, label=label, type=kind, value_sql=value_sql, read=read, help=help_text)


def _days_since_last_order_sql(ctx):
    # date − date is whole days (an integer) in PostgreSQL; Django's date subtraction would give an interval
    return Func(Value(ctx.as_of, DateField()), F("metrics__last_order_date"), arg_joiner=" - ",
                template="(%(expressions)s)", output_field=IntegerField())


def _days_since_last_order(member, ctx):
    row = _row(member)
    return (ctx.as_of - row.last_order_date).days if row and row.last_order_date else None


def _refund_rate_sql(ctx):
    return F("metrics__refund_rate") * 100


def _refund_rate(member, ctx):
    row = _row(member)
    return row.refund_rate * 100 if row and row.refund_rate is not None else None


def _held(member=None):
    return MemberMetrics.objects.filter(member=OuterRef("pk") if member is None else member)


def _stores_held(member, ctx) -> set[str]:
    row = _row(member)
    if row is None or not row.store_ids:
        return set()
    return set(Store.objects.filter(pk__in=row.store_ids).values_list("code", flat=True))


def _bought_at_store(ctx, code: str) -> Q:
    store_id = Store.objects.filter(code=code).values_list("pk", flat=True).first()
    if store_id is None:  # the code was valid when checked; a store deleted since holds nobody
        return Q(pk__in=[])
    return Q(Exists(_held().filter(store_ids__contains=[store_id])))


def _store_choices():
    return Store.objects.order_by("code").values_list("code", "name")


NOTE = "（会员指标，每日刷新，订单变化后随即更新）"
METRIC_FIELDS = (
    *(_column(f"orders_{days}d", f"近{days}天订单数", FieldType.NUMBER, default=0,
              help_text=f"指标日期前 {days} 天至当天的已付款、未全额退款订单数{NOTE}") for days in WINDOWS),
    _column("orders_total", "累计订单数", FieldType.NUMBER, default=0, help_text=f"全部已付款、未全额退款订单数{NOTE}"),
    *(_column(f"paid_{days}d", f"近{days}天实付净额", FieldType.MONEY, default=0,
              help_text=f"指标日期前 {days} 天至当天的实付减退款{NOTE}") for days in WINDOWS),
    _column("paid_total", "累计实付净额", FieldType.MONEY, default=0, help_text=f"全部订单实付减退款{NOTE}"),
    _column("purchase_days", "购买天数（累计）", FieldType.NUMBER, default=0,
            help_text=f"有订单的不同日期数，同一天多单算一次{NOTE}"),
    _column("average_order_value", "客单价（累计）", FieldType.MONEY, default=0, help_text=f"累计实付净额 ÷ 累计订单数{NOTE}"),
    _column("first_order_date", "首单日期", FieldType.DATE, help_text=f"没有订单为空{NOTE}"),
    _column("last_order_date", "末单日期", FieldType.DATE, help_text=f"没有订单为空{NOTE}"),
    Field(key=PREFIX + "days_since_last_order", label="距上次购买天数", type=FieldType.NUMBER,
          value_sql=_days_since_last_order_sql, read=_days_since_last_order,
          help=f"评估日减末单日期；没有订单为空{NOTE}"),
    _column("purchase_interval_days", "购买间隔（天）", FieldType.NUMBER,
            help_text=f"相邻购买日间隔天数的中位数；少于两个购买日为空{NOTE}"),
    Field(key=PREFIX + "refund_rate", label="退款率（%）", type=FieldType.NUMBER,
          value_sql=_refund_rate_sql, read=_refund_rate,
          help=f"退款金额占实付金额的百分比（含全额退款订单）；没有已付订单为空{NOTE}"),
    Field(key=PREFIX + "channels", label="购买过的渠道", type=FieldType.SET, choices=tuple(Channel.choices),
          has_sql=lambda ctx, value: Q(Exists(_held().filter(channels__contains=[value]))),
          read=lambda member, ctx: set(row.channels) if (row := _row(member)) else set(),
          help=f"累计{NOTE}"),
    Field(key=PREFIX + "stores", label="购买过的门店", type=FieldType.SET, choices=_store_choices,
          has_sql=_bought_at_store,
          read=_stores_held, help=f"门店编码，累计{NOTE}"),
)


# ---- points and levels as of the metrics ----------------------------------------------------------

POINTS_PREFIXES = {"metrics.points_available.": ("available", "可用"), "metrics.points_pending.": ("pending", "待发放"),
                   "metrics.points_lifetime.": ("lifetime", "累计获得")}
LEVEL_PREFIX = "metrics.level."


def _json_number(column: str, *path: str):
    """(column -> path[0] ->> path[1]) as a number; NULL when the key is absent."""
    *outer, last = path
    source = column
    for key in outer:
        source = KeyTransform(key, source)
    return Cast(KeyTextTransform(last, source), BigIntegerField())


def points_field(prefix: str, account_type: PointsAccountType) -> Field:
    part, what = POINTS_PREFIXES[prefix]

    def read(member, ctx):
        row = _row(member)
        return int(((row.points if row else {}).get(account_type.code) or {}).get(part, 0))

    return Field(key=prefix + account_type.code, label=f"{account_type.name}{what}（指标）", type=FieldType.NUMBER,
                 value_sql=lambda ctx: Coalesce(_json_number("metrics__points", account_type.code, part), Value(0)),
                 read=read, help=f"各角色下该类型账户之和；没有账户为 0{NOTE}。需要实时余额时用 loyalty 的同名字段")


def level_field(scheme: LevelScheme) -> Field:
    def read(member, ctx):
        row = _row(member)
        return (row.levels if row else {}).get(scheme.code)

    return Field(key=LEVEL_PREFIX + scheme.code, label=f"{scheme.name}等级（指标）", type=FieldType.NUMBER,
                 operators=("eq", "gte", "lte", "is_empty", "is_not_empty"),
                 value_sql=lambda ctx: _json_number("metrics__levels", scheme.code), read=read,
                 help=f"等级的级别数字（0 为入门级）；没有该等级组的等级为空{NOTE}")


def _family(rows, make):
    """(resolve, list_all) of a family whose keys end in the code of one of `rows` (a queryset with
    `code` and `active`): any of them resolves, the active ones are listed for editors."""
    def resolve(code: str) -> Field | None:
        found = rows.filter(code=code).first()
        return make(found) if found else None

    def list_all() -> list[Field]:
        return [make(found) for found in rows.filter(active=True).order_by("code")]

    return resolve, list_all


# ---- value models ----------------------------------------------------------------------------------

TIER_PREFIX = "insights.tier."
SCORE_PREFIX = "insights.score."
STAGE_PREFIX = "insights.stage."


def _results(model: ValueModel, value):
    """At most one row a member (unique model + member): the member's result read as `value`."""
    return MemberValue.objects.filter(model=model).values("member").annotate(value=value)


def _read_result(model: ValueModel, value):
    return lambda member, ctx: _results(model, value).filter(member=member).values_list("value", flat=True).first()


def tier_field(model: ValueModel) -> Field:
    tiers = tuple((t.code, t.name) for t in scorer_for(model.kind).tiers(model.config))
    return Field(key=TIER_PREFIX + model.code, label=f"{model.name}分层", type=FieldType.CHOICE, choices=tiers,
                 per_member=lambda ctx: PerMember(_results(model, F("tier")), member="member"),
                 read=_read_result(model, F("tier")),
                 help=f"最近一次运行的分层：{'、'.join(f'{c}={n}' for c, n in tiers)}；尚未参与为空")


def score_field(model: ValueModel) -> Field:
    return Field(key=SCORE_PREFIX + model.code, label=f"{model.name}得分", type=FieldType.NUMBER,
                 per_member=lambda ctx: PerMember(_results(model, F("score")), member="member"),
                 read=_read_result(model, F("score")), help=SCORE_HELP.get(model.kind, ""))


def stage_field(model: ValueModel) -> Field:
    stage = KeyTextTransform("stage", "detail")
    return Field(key=STAGE_PREFIX + model.code, label=f"{model.name}·生命周期阶段", type=FieldType.CHOICE,
                 choices=tuple(STAGES.items()),
                 per_member=lambda ctx: PerMember(_results(model, stage), member="member"),
                 read=_read_result(model, stage), help="、".join(f"{c}={n}" for c, n in STAGES.items()))


SCORE_HELP = {
    ModelKind.RFM: "R、F、M 三项得分之和（3–15）；窗口内无消费为空",
    ModelKind.ACTIVITY: "距最近一次活动（订单、积分获得或兑换）的天数；无活动为空",
    ModelKind.CLV: "预测期内的客户终身价值（元）",
    ModelKind.CUSTOM: "加权得分 0–100",
}


CLV_DETAIL = {  # key prefix: (detail key, label, scale, help)
    "insights.churn_risk.": ("churn_risk", "流失风险（%）", 100, "1 − 存活概率（BG/NBD），百分比；无购买记录为空"),
    "insights.purchase_propensity.": ("expected_purchases_90d", "购买倾向（未来90天预期购买次数）", 1,
                                      "BG/NBD 预测的未来 90 天购买天数；无购买记录为空"),
}


def clv_detail_field(prefix: str, model: ValueModel) -> Field:
    key, label, scale, help_text = CLV_DETAIL[prefix]
    value = Cast(KeyTextTransform(key, "detail"), FloatField()) * scale
    return Field(key=prefix + model.code, label=f"{model.name}·{label}", type=FieldType.NUMBER,
                 per_member=lambda ctx: PerMember(_results(model, value), member="member"),
                 read=_read_result(model, value), help=help_text)


def register(registry: FieldRegistry) -> None:
    for item in METRIC_FIELDS:
        registry.register(item)
    for prefix in POINTS_PREFIXES:
        registry.register_family(prefix, *_family(PointsAccountType.objects.all(),
                                                  lambda t, prefix=prefix: points_field(prefix, t)))
    registry.register_family(LEVEL_PREFIX, *_family(LevelScheme.objects.all(), level_field))
    models = ValueModel.objects.all()
    registry.register_family(TIER_PREFIX, *_family(models, tier_field))
    registry.register_family(SCORE_PREFIX, *_family(models, score_field))
    registry.register_family(STAGE_PREFIX, *_family(models.filter(kind=ModelKind.ACTIVITY), stage_field))
    for prefix in CLV_DETAIL:
        registry.register_family(prefix, *_family(models.filter(kind=ModelKind.CLV),
                                                  lambda m, prefix=prefix: clv_detail_field(prefix, m)))
