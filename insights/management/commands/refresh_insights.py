"""manage.py refresh_insights [--date YYYY-MM-DD]: member metrics, value models and segment sizes."""

from django.core.management.base import BaseCommand, CommandError

from insights.errors import InsightsError
from insights.services.nightly import LOOKED_AT, refresh_insights
from loyalty.management.commands.run_loyalty_jobs import business_date


class Command(BaseCommand):
    help = "计算会员指标、价值模型和人群规模（默认今天，北京时间）；同一日期重复运行不会写入任何数据"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=business_date, help="业务日期 YYYY-MM-DD，默认今天（北京时间）")

    def handle(self, *args, **options):
        try:
            result = refresh_insights(options["date"])
        except InsightsError as error:
            raise CommandError(str(error)) from error
        for step, counts in result.steps.items():
            if "error" in counts:
                self.stderr.write(f"{result.as_of} {step}: 失败（之前的结果保持不变）— {counts['error']}")
                continue
            written = {k: v for k, v in counts.items() if k not in LOOKED_AT}
            summary = "、".join(f"{k} {v:,}" for k, v in written.items()) if any(written.values()) else "无变化，未写入"
            self.stdout.write(f"{result.as_of} {step}: {summary}")
        if not result.changed and not result.failed:
            self.stdout.write(self.style.SUCCESS(f"{result.as_of} 的洞察数据已是最新，本次未写入任何数据。"))
