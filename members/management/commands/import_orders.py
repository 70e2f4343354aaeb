from members.imports.command import ImportCommand
from members.models import ImportKind


class Command(ImportCommand):
    help = "导入订单文件（天猫订单报表、天猫宝贝报表、京东订单导出、通用订单模板）"
    kind = ImportKind.ORDERS
    formats = ("tmall", "tmall_items", "jd", "generic")
