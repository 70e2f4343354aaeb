from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from loyalty.calendar import SHANGHAI
from loyalty.models import JobName
from loyalty.services.jobs import earlier_runs, run_daily_jobs


def business_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value!r}") from error


class Command(BaseCommand):
    help = ("Run the day's loyalty jobs (expire lots incl. yearly clearing and fixed dates, unlock pending "
            "points, review levels) as of 00:00 Asia/Shanghai of --date (default: today). Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="business date YYYY-MM-DD (Asia/Shanghai); default today")
        parser.add_argument("--chunk", type=int, default=20_000, help="accounts per transaction")

    def handle(self, *args, **options):
        day = business_date(options["date"]) if options["date"] else timezone.localdate(timezone=SHANGHAI)
        if options["chunk"] < 1:
            raise CommandError("--chunk 必须大于 0")
        runs = run_daily_jobs(business_date=day, triggered_by="command", chunk=options["chunk"])
        self.stdout.write(f"积分日任务 {day}（截至 {day} 00:00 北京时间）")
        for run in runs:
            counts = run.counts
            if run.job == JobName.REVIEW_LEVELS:
                self.stdout.write(
                    f"  {run.get_job_display()}: 考核 {counts.get('reviewed', 0)} 人，升级 {counts.get('upgrade', 0)}，"
                    f"降级 {counts.get('downgrade', 0)}，保底到期 {counts.get('floor_expired', 0)}，"
                    f"保持 {counts.get('kept', 0)}")
                continue
            line = (f"  {run.get_job_display()}: 账户 {counts.get('accounts', 0)}，批次 {counts.get('lots', 0)}，"
                    f"积分 {counts.get('points', 0)}")
            if counts.get("pending_points"):
                line += f"（另有待发放 {counts['pending_points']}）"
            before = earlier_runs(run)
            if before and not counts.get("lots"):
                line += f" — 该日已运行过 {before} 次，本次无变化"
            self.stdout.write(line)
