"""Demo tags for the quick start (`make run` → `seed_tags_demo`): categories, a few static tags put on
some members, six dynamic tags and the variable tags, then one recompute — so a newcomer sees tags
on members at once. Re-running changes nothing: tags are created once by code, static tags are put
on idempotently, and the recompute writes only differences.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from members.models import Member, MemberStatus

from .models import Tag, TagCategory, TagKind
from .services import put_on
from .services.refresh import RefreshResult, refresh_tags

CATEGORIES = [("lifecycle", "生命周期", 10), ("preference", "消费偏好", 20), ("store_ops", "门店运营", 30)]

STATIC = [
    # code, name, category, colour, guide_usable, description, every n-th member gets it
    ("vip_service", "VIP 专属服务", "store_ops", "#722ed1", True, "门店导购标记的需要专人跟进的顾客", 40),
    ("kol", "达人/KOL", "store_ops", "#eb2f96", False, "运营确认的社交媒体达人", 97),
    ("do_not_disturb", "勿扰", "store_ops", "#8c8c8c", True, "顾客要求减少联系；营销活动应排除", 61),
]

DYNAMIC = [
    ("high_value_active", "高价值近期活跃", "lifecycle", "#f5222d", "近 365 天消费满 ¥3,000 且近 90 天有购买",
     {"all": [{"field": "orders.paid_amount", "op": "gte", "value": 3000, "window": {"last_days": 365}},
              {"field": "orders.count", "op": "gte", "value": 1, "window": {"last_days": 90}}]}, 0),
    ("dormant_180", "沉睡会员（180天未购）", "lifecycle", "#595959", "有过购买，但最近 180 天没有购买",
     {"all": [{"field": "orders.count", "op": "gte", "value": 1},
              {"field": "orders.last_order_date", "op": "before_days_ago", "value": 180}]}, 7),
    ("gold_and_above", "金卡及以上", "lifecycle", "#faad14", "会员等级为金卡（等级 2）或更高",
     {"field": "loyalty.level.consumer", "op": "gte", "value": 2}, 0),
    ("birthday_this_month", "生日本月", "lifecycle", "#13c2c2", "未来 30 天内过生日（跨年也算）",
     {"field": "member.birthday", "op": "birthday_within_days", "value": 30}, 0),
    ("points_expiring", "积分即将过期", "lifecycle", "#fa8c16", "30 天内将有 100 积分以上过期",
     {"field": "loyalty.points_expiring.points.30", "op": "gte", "value": 100}, 0),
    ("multi_channel", "多渠道购买", "preference", "#2f54eb", "近 365 天在线上和门店都买过",
     {"all": [{"field": "orders.channels", "op": "has", "value": "pos", "window": {"last_days": 365}},
              {"any": [{"field": "orders.channels", "op": "has", "value": channel, "window": {"last_days": 365}}
                       for channel in ("tmall", "jd", "wechat_mp", "mall")]}]}, 0),
]

VARIABLE = [
    # code, name, extractor, params, min_orders
    ("fav_category", "偏好品类", "favourite_category", {"top": 1}, 2),
    ("fav_sku", "偏好商品", "favourite_sku", {"top": 1}, 2),
    ("frequent_store", "常购门店", "frequent_store", {}, 2),
    ("preferred_channel", "偏好渠道", "preferred_channel", {}, 2),
    ("price_band", "价格带", "price_band", {}, 1),
    ("purchase_cycle", "购买周期", "purchase_cycle", {}, 3),
    ("last_product", "最近购买", "last_product", {}, 1),
]


@dataclass
class DemoTagSummary:
    created: int
    static_applied: int
    results: list[RefreshResult]


def _ensure(code: str, **fields) -> bool:
    _, created = Tag.objects.get_or_create(code=code, defaults=fields)
    return created


@transaction.atomic
def _define() -> int:
    categories = {}
    for code, name, order in CATEGORIES:
        categories[code], _ = TagCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    created = 0
    for code, name, category, colour, guide_usable, description, _ in STATIC:
        created += _ensure(code, name=name, category=categories[category], colour=colour, kind=TagKind.STATIC,
                           guide_usable=guide_usable, description=description)
    for code, name, category, colour, description, condition, keep_days in DYNAMIC:
        created += _ensure(code, name=name, category=categories[category], colour=colour, kind=TagKind.DYNAMIC,
                           description=description, condition=condition, keep_days=keep_days)
    for code, name, extractor, params, min_orders in VARIABLE:
        created += _ensure(code, name=name, category=categories["preference"], colour="#52c41a",
                           kind=TagKind.VARIABLE, extractor=extractor, params=params, min_orders=min_orders,
                           description=f"由订单自动取值（{extractor}）；少于 {min_orders} 笔订单的会员不取值")
    return created


def _apply_static() -> int:
    """Every n-th active member (by id) gets each static tag: a stable pick, so re-runs add nothing."""
    applied = 0
    ids = list(Member.objects.filter(status=MemberStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))
    for code, _, _, _, _, _, every in STATIC:
        applied += put_on(tag=Tag.objects.get(code=code), member_ids=ids[::every], actor_label="demo",
                          reason="演示数据")
    return applied


def seed_tag_demo() -> DemoTagSummary:
    created = _define()
    applied = _apply_static()
    results = refresh_tags(actor_label="demo")
    return DemoTagSummary(created=created, static_applied=applied, results=results)
