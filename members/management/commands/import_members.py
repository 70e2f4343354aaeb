from members.imports.command import ImportCommand
from members.models import ImportKind


class Command(ImportCommand):
    help = "导入会员文件（通用会员模板）"
    kind = ImportKind.MEMBERS
    formats = ("generic",)
