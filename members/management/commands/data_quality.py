from django.core.management.base import BaseCommand

from members.data_quality import FIELDS, OUTCOMES, data_quality_report
from members.models import Channel

LABELS = {"missing": "缺失", "invalid": "无效", "standardized": "已标准化", "clean": "原样有效"}


class Command(BaseCommand):
    help = "Per-channel, per-field counts of missing / invalid / standardized / clean profile values."

    def handle(self, *args, **options):
        report = data_quality_report()
        if not report:
            self.stdout.write("还没有任何渠道档案（没有导入数据）。")
            return
        header = f"{'字段 field':<14}" + "".join(f"{LABELS[o] + ' ' + o:>22}" for o in OUTCOMES)
        for channel, fields in sorted(report.items()):
            total = sum(fields[FIELDS[0]].values())
            self.stdout.write(self.style.MIGRATE_HEADING(f"\n渠道 {Channel(channel).label} ({channel}) — {total} 个账号"))
            self.stdout.write(header)
            for field in FIELDS:
                counts = fields[field]
                self.stdout.write(f"{field:<14}" + "".join(f"{counts[o]:>22}" for o in OUTCOMES))
