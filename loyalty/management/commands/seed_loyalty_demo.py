"""Demo points and levels for the quick start: switch on the example earn rules (if no rule is
active yet) and award every order already imported, then run today's loyalty jobs.

Run by `make run` after `seed_demo`. Re-running changes nothing: awards are idempotent per
(order, rule) and the day's jobs have nothing left to do.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from loyalty.calendar import SHANGHAI
from loyalty.models import EarnRule, MemberLevel, PointsAccount
from loyalty.services import run_daily_jobs
from members import hooks
from members.models import Order


class Command(BaseCommand):
    help = "Activate the example earn rules and award the demo orders (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示积分只能在开发环境(DEBUG=True)生成。")
        if not EarnRule.objects.filter(active=True).exists():
            examples = list(EarnRule.objects.filter(name__contains="示例"))
            for rule in examples:
                rule.active, rule.name = True, rule.name.replace("，未启用", "")
                rule.save(update_fields=["active", "name", "updated_at"])
            self.stdout.write(f"启用示例积分规则 {len(examples)} 条")
        order_ids = list(Order.objects.filter(member__isnull=False).values_list("pk", flat=True))
        # Through the same hook as imports: points first, then levels.
        hooks.orders_changed.send(order_ids=order_ids, source="demo")
        runs = run_daily_jobs(business_date=timezone.localdate(timezone=SHANGHAI), triggered_by="demo")
        accounts = PointsAccount.objects.filter(available__gt=0).count()
        levels = MemberLevel.objects.filter(level__rank__gt=0).count()
        self.stdout.write(f"订单 {len(order_ids)} 笔已计算积分：{accounts} 个账户有可用积分，{levels} 位会员高于入门等级；"
                          f"今日任务 {len(runs)} 项已运行")
