"""Default match rules, the member-code sequence and the staff role groups."""

from django.db import migrations

DEFAULT_RULES = [
    # kind, priority, max identifiers of that kind per person, description
    ("wechat_unionid", 10, 3, "微信UnionID：同一开放平台下唯一"),
    ("tmall_omid", 20, 3, "天猫OMID：品牌维度唯一"),
    ("tmall_ouid", 30, 5, "天猫OUID：店铺维度唯一"),
    ("mobile", 40, 3, "手机号(E.164)；脱敏号码不参与匹配"),
    ("jd_account", 50, 3, "京东下单账号"),
    ("tmall_nick", 60, 3, "天猫买家会员名"),
    ("pos_card", 70, 5, "门店会员卡号"),
    ("email", 80, 3, "邮箱(小写)"),
]
ROLE_GROUPS = ["管理员", "运营", "导购"]


def create_defaults(apps, schema_editor):
    MatchRule = apps.get_model("members", "MatchRule")
    for kind, priority, limit, description in DEFAULT_RULES:
        MatchRule.objects.get_or_create(
            kind=kind, defaults={"priority": priority, "max_per_member": limit, "description": description}
        )
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS members_member_code_seq START 1")


def drop_sequence(apps, schema_editor):
    schema_editor.execute("DROP SEQUENCE IF EXISTS members_member_code_seq")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_defaults, drop_sequence)]
