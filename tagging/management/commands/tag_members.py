from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tagging.models import Tag
from tagging.services import TaggingError, apply_tag_file


class Command(BaseCommand):
    help = ("Put a static tag on (or --remove it from) the members listed in a CSV/XLSX file (会员编号 and/or "
            "手机号 columns). Every row is checked first; with any bad row nothing is applied.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument("--tag", required=True, metavar="CODE", help="static tag code")
        parser.add_argument("--reason", default="", help="why (kept in the history)")
        parser.add_argument("--ends-on", metavar="YYYY-MM-DD", help="take the tag off after this date")
        parser.add_argument("--remove", action="store_true", help="take the tag off instead")

    def handle(self, *args, file, tag, reason, ends_on, remove, **options):
        found = Tag.objects.filter(code=tag).first()
        if found is None:
            raise CommandError(f"找不到标签「{tag}」")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            ends_on = date.fromisoformat(ends_on) if ends_on else None
        except ValueError as error:
            raise CommandError(f"--ends-on 需要 YYYY-MM-DD 格式的日期，收到「{ends_on}」") from error
        try:
            with path.open("rb") as source:
                result = apply_tag_file(tag=found, source=source, filename=path.name, reason=reason,
                                        ends_on=ends_on, remove=remove)
        except TaggingError as error:
            raise CommandError(str(error)) from error
        if not result.applied:
            for error in result.errors:
                self.stderr.write(f"第 {error.row} 行，列「{error.column}」，值「{error.value}」：{error.reason}")
            raise CommandError(f"名单有 {len(result.errors)} 处错误，未做任何修改。")
        verb = "取下" if remove else "打上"
        self.stdout.write(self.style.SUCCESS(
            f"名单 {result.rows} 行：为 {result.changed} 位会员{verb}「{found.name}」（其余已是该状态）。"))
