"""Default role types and the two points account types of the consumer role.

Earn rules are left to the loyalty admin (admin → 积分规则): two inactive examples show the shape.
"""

from decimal import Decimal

from django.db import migrations

ROLE_TYPES = [
    # code, name, is_buyer_role, description
    ("consumer", "消费者", True, "下单购买的会员；订单按积分规则为这个角色累积积分"),
    ("guide", "导购", False, "门店导购"),
    ("agent", "代理/合伙人", False, "代理商、合伙人"),
    ("store_manager", "店长", False, "门店店长"),
]

ACCOUNT_TYPES = [
    {
        "code": "points", "name": "积分", "description": "可兑换；每年 12-31 日终清零上一年度及以前获得的积分",
        "expiry_policy": "yearly_clearing", "clearing_month": 12, "clearing_day": 31, "clearing_keep_years": 1,
    },
    {
        "code": "growth", "name": "成长值", "description": "衡量会员等级，不可兑换，永不过期",
        "expiry_policy": "never",
    },
]

EXAMPLE_RULES = [
    {"name": "消费 1 元得 1 积分（示例，未启用）", "account": "points", "basis": "amount",
     "points_per_yuan": Decimal("1"), "trigger": "completed"},
    {"name": "消费 1 元得 1 成长值（示例，未启用）", "account": "growth", "basis": "amount",
     "points_per_yuan": Decimal("1"), "trigger": "paid"},
]


def create_defaults(apps, schema_editor):
    RoleType = apps.get_model("loyalty", "RoleType")
    PointsAccountType = apps.get_model("loyalty", "PointsAccountType")
    EarnRule = apps.get_model("loyalty", "EarnRule")
    roles = {}
    for code, name, buyer, description in ROLE_TYPES:
        roles[code], _ = RoleType.objects.get_or_create(
            code=code, defaults={"name": name, "is_buyer_role": buyer, "description": description}
        )
    for spec in ACCOUNT_TYPES:
        defaults = {key: value for key, value in spec.items() if key != "code"}
        account_type, _ = PointsAccountType.objects.get_or_create(code=spec["code"], defaults=defaults)
        account_type.role_types.add(roles["consumer"])
    for spec in EXAMPLE_RULES:
        account_type = PointsAccountType.objects.get(code=spec["account"])
        EarnRule.objects.get_or_create(
            name=spec["name"],
            defaults={"account_type": account_type, "role_type": roles["consumer"], "basis": spec["basis"],
                      "points_per_yuan": spec["points_per_yuan"], "trigger": spec["trigger"], "active": False},
        )


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
