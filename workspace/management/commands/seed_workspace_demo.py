from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workspace.demo import seed_workspace_demo


class Command(BaseCommand):
    help = "Put the demo guide and store manager in a store, bind members to the guide, write follow-ups."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示工作台数据只能在开发环境(DEBUG=True)生成。")
        result = seed_workspace_demo()
        if "skipped" in result:
            raise CommandError(f"没有生成演示工作台数据：{result['skipped']}")
        self.stdout.write(f"导购工作台：门店 {result['store']}，新绑定 {result['bound']} 位，新跟进 {result['follow_ups']} 条")
