"""Default benefits and two level schemes: consumers by growth value, agents by paid amount.

Loyalty admins change thresholds in admin (等级组 → 调整门槛并预览影响) before the first review.
"""

from decimal import Decimal

from django.db import migrations

BENEFITS = [
    # code, name, kind, value, description
    ("discount_95", "95 折", "discount", Decimal("95"), "购物享 95 折"),
    ("discount_90", "9 折", "discount", Decimal("90"), "购物享 9 折"),
    ("discount_88", "88 折", "discount", Decimal("88"), "购物享 88 折"),
    ("points_x1_2", "积分 1.2 倍", "points_multiplier", Decimal("1.2"), "消费积分按 1.2 倍累积"),
    ("points_x1_5", "积分 1.5 倍", "points_multiplier", Decimal("1.5"), "消费积分按 1.5 倍累积"),
    ("free_shipping", "包邮", "free_shipping", None, "订单免运费"),
    ("birthday_gift", "生日礼", "birthday_gift", None, "生日当月赠送礼品"),
    ("priority_service", "专属客服", "priority_service", None, "优先客服与售后"),
]

SCHEMES = [
    {
        "code": "consumer", "name": "会员等级", "role": "consumer", "metric": "window_earned", "account": "growth",
        "window_months": 12, "review_period": "yearly", "review_month": 1, "review_day": 1,
        "downgrade_policy": "one_level",
        "levels": [
            # code, name, rank, upgrade, retain, benefits
            ("normal", "普通", 0, 0, 0, []),
            ("silver", "银卡", 1, 1000, 800, ["discount_95"]),
            ("gold", "金卡", 2, 5000, 4000, ["discount_90", "points_x1_2", "free_shipping"]),
            ("platinum", "白金", 3, 20000, 16000,
             ["discount_88", "points_x1_5", "free_shipping", "birthday_gift", "priority_service"]),
        ],
    },
    {
        "code": "agent", "name": "代理等级", "role": "agent", "metric": "window_paid", "account": None,
        "window_months": 3, "review_period": "quarterly", "downgrade_policy": "to_supported",
        "levels": [
            ("rookie", "新手", 0, 0, 0, []),
            ("leader", "团长", 1, 50000, 40000, ["discount_90"]),
            ("gold_agent", "金牌", 2, 200000, 160000, ["discount_88", "priority_service"]),
        ],
    },
]


def create_defaults(apps, schema_editor):
    Benefit = apps.get_model("loyalty", "Benefit")
    LevelScheme = apps.get_model("loyalty", "LevelScheme")
    Level = apps.get_model("loyalty", "Level")
    RoleType = apps.get_model("loyalty", "RoleType")
    PointsAccountType = apps.get_model("loyalty", "PointsAccountType")
    benefits = {}
    for code, name, kind, value, description in BENEFITS:
        benefits[code], _ = Benefit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "value": value, "description": description})
    for spec in SCHEMES:
        role = RoleType.objects.filter(code=spec["role"]).first()
        if role is None or LevelScheme.objects.filter(code=spec["code"]).exists():
            continue
        account = PointsAccountType.objects.filter(code=spec["account"]).first() if spec["account"] else None
        scheme = LevelScheme.objects.create(
            code=spec["code"], name=spec["name"], role_type=role, metric=spec["metric"], account_type=account,
            window_months=spec["window_months"], review_period=spec["review_period"],
            review_month=spec.get("review_month"), review_day=spec.get("review_day"),
            downgrade_policy=spec["downgrade_policy"],
        )
        for code, name, rank, upgrade, retain, granted in spec["levels"]:
            level = Level.objects.create(scheme=scheme, code=code, name=name, rank=rank,
                                         upgrade_threshold=Decimal(upgrade), retain_threshold=Decimal(retain))
            level.benefits.set([benefits[c] for c in granted])


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0005_levels")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
