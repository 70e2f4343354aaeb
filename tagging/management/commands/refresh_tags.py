from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tagging.models import Tag, TagKind
from tagging.services.refresh import refresh_tags


class Command(BaseCommand):
    help = ("Recompute dynamic and variable tags as of a date and print what changed per tag. "
            "Idempotent: a second run over the same data writes nothing and says so.")

    def add_arguments(self, parser):
        parser.add_argument("--tag", action="append", dest="codes", metavar="CODE",
                            help="only this tag (repeatable); default every active dynamic and variable tag")
        parser.add_argument("--date", dest="as_of", metavar="YYYY-MM-DD",
                            help="evaluation date (Asia/Shanghai business date); default today")

    def handle(self, *args, codes, as_of, **options):
        try:
            as_of = date.fromisoformat(as_of) if as_of else None
        except ValueError as error:
            raise CommandError(f"--date 需要 YYYY-MM-DD 格式的日期，收到「{as_of}」") from error
        tags = None
        if codes:
            found = {tag.code: tag for tag in Tag.objects.filter(code__in=codes)}
            unknown = [code for code in codes if code not in found]
            if unknown:
                raise CommandError(f"找不到标签：{'、'.join(unknown)}")
            static = [code for code in codes if found[code].kind == TagKind.STATIC]
            if static:
                raise CommandError(f"手动标签不需要重算：{'、'.join(static)}")
            tags = [found[code] for code in codes]
        results = refresh_tags(tags=tags, as_of=as_of, actor_label="command:refresh_tags")
        for result in results:
            if result.error:
                self.stderr.write(self.style.ERROR(f"{result.tag_code}: 失败 — {result.error}"))
            elif result.changed:
                self.stdout.write(f"{result.tag_code}: 打上 {result.added}，取下 {result.removed}")
            else:
                self.stdout.write(f"{result.tag_code}: 无变化")
        if not results:
            self.stdout.write("没有需要计算的标签（动态/变量标签都未启用）。")
        elif not any(r.changed for r in results) and not any(r.error for r in results):
            self.stdout.write(self.style.SUCCESS("全部标签已是最新，本次未写入任何变化。"))
        if any(r.error for r in results):
            raise CommandError(f"{sum(1 for r in results if r.error)} 个标签计算失败（见上），其余已完成。")
