from django.core.management.base import BaseCommand, CommandError

from loyalty.services import verify_ledger


class Command(BaseCommand):
    help = ("Recompute every points account from its entries and lots; exit non-zero listing the mismatches.")

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=50_000, help="accounts per aggregate query")
        parser.add_argument("--limit", type=int, default=200, help="list at most this many mismatches")

    def handle(self, *args, **options):
        result = verify_ledger(chunk=options["chunk"], limit=options["limit"])
        rate = result.rows / result.seconds if result.seconds else 0
        self.stdout.write(
            f"核对 {result.accounts} 个账户、{result.entries} 条流水、{result.lots} 个批次，"
            f"用时 {result.seconds:.1f} 秒（{rate:,.0f} 行/秒）"
        )
        if result.ok:
            self.stdout.write(self.style.SUCCESS("账实一致：所有余额都等于流水与批次的合计。"))
            return
        for mismatch in result.mismatches:
            self.stdout.write(f"  {mismatch}")
        hidden = result.mismatch_count - len(result.mismatches)
        if hidden:
            self.stdout.write(f"  …另有 {hidden} 处未列出")
        raise CommandError(f"发现 {result.mismatch_count} 处不一致。")
