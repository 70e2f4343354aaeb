from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from insights.demo import seed_insights_demo


class Command(BaseCommand):
    help = "Create the demo value models and segments, then run the insights job for three dates a month apart."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示洞察数据只能在开发环境(DEBUG=True)生成。")
        for result in seed_insights_demo():
            failed = {step: counts["error"] for step, counts in result.steps.items() if "error" in counts}
            self.stdout.write(f"洞察 {result.as_of}：{len(result.steps)} 步" + (f"，失败 {failed}" if failed else "，完成"))
