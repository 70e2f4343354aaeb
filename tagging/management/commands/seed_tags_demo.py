from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tagging.demo import seed_tag_demo


class Command(BaseCommand):
    help = "Create the demo tags (static, dynamic, variable), put the static ones on some members and compute the rest."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示标签只能在开发环境(DEBUG=True)生成。")
        summary = seed_tag_demo()
        self.stdout.write(f"演示标签：新建 {summary.created} 个，手动标签打上 {summary.static_applied} 人次")
        for result in summary.results:
            outcome = f"失败 — {result.error}" if result.error else f"打上 {result.added}，取下 {result.removed}"
            self.stdout.write(f"  {result.tag_code}: {outcome}")
