"""The portrait (画像) of a segment, or of everyone: size and share, and the distribution of each
dimension — gender, age band, province and city (top 10), registered channel, channels bought from,
home store, level per scheme, each value model's tiers, top tags, spend, order-count and AOV bands.

The segment's member ids go into a temporary table once (the condition is evaluated one time), then
one GROUPING SETS statement counts, in one pass over members ⋈ metrics, every single-valued dimension,
the level per scheme (from the metrics row's levels, kept current by the levels hook) and each channel
bought from (a yes/no per channel); one statement each counts model tiers and tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from loyalty.models import LevelScheme
from members.conditions.compiler import active_members, tune_transaction_for_conditions
from members.conditions.windows import shanghai_today
from members.models import Channel, Gender, Member, Store
from tagging.models import Tag, TagMembership

from ..models import MemberMetrics, MemberValue, ValueModel
from ..scoring import scorer_for

TOP = 10
PORTRAIT_MEMBERS = "portrait_members"
AGE_BANDS = ((0, 18, "18岁以下"), (18, 25, "18–24岁"), (25, 30, "25–29岁"), (30, 35, "30–34岁"),
             (35, 40, "35–39岁"), (40, 50, "40–49岁"), (50, 60, "50–59岁"), (60, 200, "60岁及以上"))
# (the lower bounds of the bands after the first, their labels): a value below the first bound is in band 0.
SPEND_BANDS = ((0.01, 500, 1000, 3000, 5000, 10000),  # ¥ net in the last 365 days
               ("¥0", "¥500以下", "¥500–999", "¥1,000–2,999", "¥3,000–4,999", "¥5,000–9,999", "¥10,000及以上"))
ORDER_BANDS = ((1, 2, 3, 5, 10), ("0单", "1单", "2单", "3–4单", "5–9单", "10单及以上"))  # last 365 days
AOV_BANDS = ((0.01, 100, 200, 300, 500, 1000),  # lifetime average order value
             ("未购", "¥100以下", "¥100–199", "¥200–299", "¥300–499", "¥500–999", "¥1,000及以上"))
EMPTY = "（未填写）"


@dataclass
class Dimension:
    key: str
    title: str
    rows: list[tuple[str, int]] = field(default_factory=list)  # (label, members), in display order
    many: bool = False  # a member may count in several rows (channels bought, tags)


@dataclass
class Portrait:
    size: int
    total: int  # active members
    as_of: date
    dimensions: list[Dimension]

    @property
    def share(self) -> float:
        return self.size / self.total if self.total else 0.0

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)


def portrait(members_query=None, as_of: date | None = None) -> Portrait:
    """`members_query`: a queryset of members (a segment's, compiled) or None for every active member."""
    as_of = as_of or shanghai_today()
    with transaction.atomic():
        tune_transaction_for_conditions()
        with connection.cursor() as cursor:
            _load_members(cursor, members_query)
            cursor.execute(f"SELECT count(*) FROM {PORTRAIT_MEMBERS}")
            size = cursor.fetchone()[0]
            total = size if members_query is None else active_members().count()
            dimensions = [*_one_pass(cursor, as_of), *_model_tiers(cursor), _top_tags(cursor)]
            cursor.execute(f"DROP TABLE {PORTRAIT_MEMBERS}")
    return Portrait(size=size, total=total, as_of=as_of, dimensions=[d for d in dimensions if d.rows])


def _load_members(cursor, members_query) -> None:
    query = active_members() if members_query is None else members_query
    select, params = query.values("pk").query.sql_with_params()
    cursor.execute(f"DROP TABLE IF EXISTS {PORTRAIT_MEMBERS}")
    cursor.execute(f"CREATE TEMP TABLE {PORTRAIT_MEMBERS} ON COMMIT DROP AS SELECT s.pk AS member_id "
                   f"FROM ({select}) s(pk)", params)
    cursor.execute(f"ANALYZE {PORTRAIT_MEMBERS}")


def _band_sql(column: str, bands) -> str:
    """The index (0…) of the band `column` falls in."""
    return f"width_bucket({column}, ARRAY[{', '.join(str(b) for b in bands[0])}]::numeric[])"


SINGLE = {  # key: (title, SQL expression over m (member) and x (metrics))
    "gender": ("性别", "m.gender"),
    "age": ("年龄段", "CASE WHEN m.birthday IS NULL THEN NULL ELSE date_part('year', age(%(as_of)s::date, m.birthday))::int END"),
    "province": ("省份（前10）", "nullif(m.province, '')"),
    "city": ("城市（前10）", "nullif(m.city, '')"),
    "registered_channel": ("注册渠道", "nullif(m.registered_channel, '')"),
    "home_store": ("归属门店（前10）", "m.home_store_id"),
    "spend": ("近365天消费", _band_sql("coalesce(x.paid_365d, 0)", SPEND_BANDS)),
    "orders": ("近365天订单数", _band_sql("coalesce(x.orders_365d, 0)", ORDER_BANDS)),
    "aov": ("客单价", _band_sql("coalesce(x.average_order_value, 0)", AOV_BANDS)),
}


def _one_pass(cursor, as_of: date) -> list[Dimension]:
    schemes = list(LevelScheme.objects.filter(active=True).order_by("code").prefetch_related("levels"))
    columns = {key: expression for key, (_, expression) in SINGLE.items()}
    params: dict = {"as_of": as_of}
    for n, scheme in enumerate(schemes):
        columns[f"level_{n}"], params[f"scheme_{n}"] = f"(x.levels ->> %(scheme_{n})s)::int", scheme.code
    for n, channel in enumerate(Channel.values):
        columns[f"bought_{n}"], params[f"channel_{n}"] = f"%(channel_{n})s = ANY(x.channels)", channel
    keys = list(columns)
    cursor.execute(f"""
        SELECT {", ".join(f"GROUPING({key}) = 0" for key in keys)}, {", ".join(keys)}, count(*)
        FROM (SELECT {", ".join(f"{expression} AS {key}" for key, expression in columns.items())}
              FROM {PORTRAIT_MEMBERS} p
              JOIN {Member._meta.db_table} m ON m.id = p.member_id
              LEFT JOIN {MemberMetrics._meta.db_table} x ON x.member_id = p.member_id) v
        GROUP BY GROUPING SETS ({", ".join(f"({key})" for key in keys)})""", params)
    counts: dict[str, dict] = {key: {} for key in keys}
    for row in cursor.fetchall():
        flags, values, n = row[:len(keys)], row[len(keys):-1], row[-1]
        key = keys[flags.index(True)]
        counts[key][values[keys.index(key)]] = n
    return [*_single_dimensions(counts), _channels_bought(counts),
            *_level_dimensions(counts, schemes)]


def _single_dimensions(counts: dict) -> list[Dimension]:
    stores = dict(Store.objects.filter(pk__in=[k for k in counts["home_store"] if k]).values_list("pk", "name"))
    genders, channels = dict(Gender.choices), dict(Channel.choices)
    return [
        Dimension("gender", SINGLE["gender"][0], _ordered(counts["gender"], lambda v: genders.get(v, EMPTY),
                                                          order=list(genders))),
        Dimension("age", SINGLE["age"][0], _age_rows(counts["age"])),
        Dimension("province", SINGLE["province"][0], _top(counts["province"], str)),
        Dimension("city", SINGLE["city"][0], _top(counts["city"], str)),
        Dimension("registered_channel", SINGLE["registered_channel"][0],
                  _ordered(counts["registered_channel"], lambda v: channels.get(v, v), order=list(channels))),
        Dimension("home_store", SINGLE["home_store"][0], _top(counts["home_store"], lambda v: stores.get(v, str(v)))),
        Dimension("spend", SINGLE["spend"][0], _banded(counts["spend"], SPEND_BANDS[1])),
        Dimension("orders", SINGLE["orders"][0], _banded(counts["orders"], ORDER_BANDS[1])),
        Dimension("aov", SINGLE["aov"][0], _banded(counts["aov"], AOV_BANDS[1])),
    ]


def _ordered(counts: dict, label, order: list) -> list[tuple[str, int]]:
    keys = sorted(counts, key=lambda k: (k is None, order.index(k) if k in order else len(order), str(k)))
    return [(label(k) if k is not None else EMPTY, counts[k]) for k in keys]


def _top(counts: dict, label) -> list[tuple[str, int]]:
    known = sorted(((k, n) for k, n in counts.items() if k is not None), key=lambda kn: (-kn[1], str(kn[0])))
    rows = [(label(k), n) for k, n in known[:TOP]]
    rest = sum(n for _, n in known[TOP:])
    if rest:
        rows.append(("其他", rest))
    if counts.get(None):
        rows.append((EMPTY, counts[None]))
    return rows


def _age_rows(counts: dict) -> list[tuple[str, int]]:
    bands = [0] * len(AGE_BANDS)
    for age, n in counts.items():
        if age is not None:
            bands[next(i for i, (low, high, _) in enumerate(AGE_BANDS) if low <= max(age, 0) < high)] += n
    rows = [(label, n) for (_, _, label), n in zip(AGE_BANDS, bands, strict=True)]
    return rows + ([("（无生日）", counts[None])] if counts.get(None) else [])


def _banded(counts: dict, labels: list[str]) -> list[tuple[str, int]]:
    return [(label, counts.get(i, 0)) for i, label in enumerate(labels)]


def _channels_bought(counts: dict) -> Dimension:
    names = dict(Channel.choices)
    rows = [(names[channel], counts[f"bought_{n}"].get(True, 0)) for n, channel in enumerate(Channel.values)]
    return Dimension("channels_bought", "购买过的渠道", [row for row in rows if row[1]], many=True)


def _level_dimensions(counts: dict, schemes) -> list[Dimension]:
    dimensions = []
    for n, scheme in enumerate(schemes):
        names = {level.rank: level.name for level in scheme.levels.all()}
        found = counts[f"level_{n}"]
        rows = [(names.get(rank, f"级别 {rank}"), found[rank]) for rank in sorted(r for r in found if r is not None)]
        dimensions.append(Dimension(f"level.{scheme.code}", f"{scheme.name}等级", rows))
    return dimensions


def _model_tiers(cursor) -> list[Dimension]:
    models = {m.pk: m for m in ValueModel.objects.filter(active=True)}
    if not models:
        return []
    cursor.execute(f"""SELECT v.model_id, v.tier, count(*) FROM {PORTRAIT_MEMBERS} p
                       JOIN {MemberValue._meta.db_table} v ON v.member_id = p.member_id
                       WHERE v.model_id = ANY(%s) GROUP BY v.model_id, v.tier""", [list(models)])
    counted: dict[int, dict] = {}
    for model_id, tier, n in cursor.fetchall():
        counted.setdefault(model_id, {})[tier] = n
    dimensions = []
    for model_id, model in sorted(models.items(), key=lambda item: item[1].code):
        tiers = scorer_for(model.kind).tiers(model.config)
        rows = [(t.name, counted.get(model_id, {}).get(t.code, 0)) for t in tiers]
        dimensions.append(Dimension(f"tier.{model.code}", f"{model.name}分层", rows))
    return dimensions


def _top_tags(cursor) -> Dimension:
    cursor.execute(f"""SELECT t.name, count(*) FROM {PORTRAIT_MEMBERS} p
                       JOIN {TagMembership._meta.db_table} tm ON tm.member_id = p.member_id
                       JOIN {Tag._meta.db_table} t ON t.id = tm.tag_id
                       GROUP BY t.name ORDER BY count(*) DESC, t.name LIMIT %s""", [TOP])
    return Dimension("tags", "热门标签（前10）", [tuple(row) for row in cursor.fetchall()], many=True)

