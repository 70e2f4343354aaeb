import argparse
import math
import sys
from datetime import date
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from members.demo.seeding import Progress, SeedSummary, seed_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"需要 YYYY-MM-DD 格式的日期，收到: {value}") from exc


class _TqdmProgress(Progress):
    def __init__(self, label: str, total: int):
        from tqdm import tqdm

        super().__init__(label, total)
        self.bar = tqdm(total=total, desc=label, file=sys.stderr, leave=False)

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


class _LineProgress(Progress):
    """One line per 10 % when the output is not a terminal (logs, CI, make)."""

    def __init__(self, label: str, total: int, write):
        super().__init__(label, total)
        self.write, self.done, self.reported = write, 0, 0

    def update(self, n: int = 1) -> None:
        self.done += n
        step = math.floor(self.done * 10 / self.total) if self.total else 10
        if step > self.reported:
            self.reported = step
            self.write(f"  {self.label}: {step * 10}% ({self.done}/{self.total})")


class Command(BaseCommand):
    help = (
        "Load deterministic demo data: 12 stores, N people on 1–4 channels fed through identity "
        "resolution, two years of orders, SMS consent. Same --seed and --today → same data; "
        "re-running adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=500, help="number of natural persons (default 500)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--today", type=_day, default=None,
            help="YYYY-MM-DD the history ends at (default: today in Asia/Shanghai)",
        )

    def handle(self, *args, members, seed, today, **options):
        if members < 0:
            raise CommandError("--members 不能为负数。")
        if isinstance(today, str):  # call_command(today="2026-01-15") skips the parser's type
            try:
                today = _day(today)
            except argparse.ArgumentTypeError as exc:
                raise CommandError(f"--today: {exc}") from exc
        today = today or timezone.localdate(timezone=SHANGHAI)
        tty = self.stdout.isatty()

        def progress(label: str, total: int) -> Progress:
            return _TqdmProgress(label, total) if tty else _LineProgress(label, total, self.stdout.write)

        self.stdout.write(f"seed_demo: {members} people, seed {seed}, history up to {today:%Y-%m-%d}")
        summary = seed_demo(members=members, seed=seed, today=today, progress=progress)
        self._report(summary)

    def _report(self, s: SeedSummary) -> None:
        self.stdout.write(self.style.SUCCESS("演示数据 demo data:"))
        rows = [
            ("people generated", s.people),
            ("stores created", s.stores_created),
            ("channel records resolved", s.records),
            ("members created", s.members_created),
            ("channel accounts created", s.channel_accounts_created),
            ("merges", s.merges),
            ("sent to merge review", s.review_candidates),
            ("orders created", s.orders_created),
            ("orders already present", s.orders_skipped),
            ("order lines created", s.lines_created),
            ("consent records created", s.consents_created),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label:<26} {value}")
        for note, count in sorted(s.notes.items()):
            self.stdout.write(f"  note: {note} × {count}")

