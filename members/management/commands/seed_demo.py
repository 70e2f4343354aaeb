import argparse
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from members.demo.seeding import (
    DEFAULT_BAD_RATE,
    DemoFile,
    FileResult,
    Progress,
    SeedSummary,
    previous_end_date,
    seed_demo,
)
from members.models import ImportBatch, ImportStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANNEL_ORDER = ("tmall", "jd", "pos", "wechat_mp", "mall")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"需要 YYYY-MM-DD 格式的日期，收到: {value}") from exc


def _file_line(index: int, total: int, result: FileResult) -> str:
    head = f"  [{index}/{total}] {result.file.label}: {result.file.path.name}"
    batch = result.batch
    if result.skipped:
        return f"{head} — 已导入过 already imported (batch #{batch.pk}), skipped"
    counts = batch.counts or {}
    text = f"{head} — batch #{batch.pk} {batch.get_status_display()}, {counts.get('rows_read', 0):,} 行 rows"
    rejected = counts.get("rows_rejected", 0)
    if rejected:
        text += f", {rejected} 行被拒 rejected"
    if batch.duration_seconds is not None:
        text += f", {batch.duration_seconds:.1f}s"
    if batch.error_message:
        text += f"\n      {batch.error_message}"
    return text


class _LineProgress(Progress):
    """One line per file when the output is not a terminal (logs, CI, make)."""

    def __init__(self, write):
        self.write = write
        self.index = self.total = 0

    def step(self, message: str) -> None:
        self.write(message)

    def file_started(self, index: int, total: int, demo_file: DemoFile) -> None:
        self.index, self.total = index, total

    def file_done(self, result: FileResult) -> None:
        self.write(_file_line(self.index, self.total, result))


class _TqdmProgress(_LineProgress):
    """A bar per file on stderr (file rows, driven by the import's own progress), then its line."""

    def __init__(self, write):
        super().__init__(write)
        self.bar = None
        self.label = ""

    def file_started(self, index: int, total: int, demo_file: DemoFile) -> None:
        from tqdm import tqdm

        super().file_started(index, total, demo_file)
        self.label = f"[{index}/{total}] {demo_file.path.name}"
        self.bar = tqdm(total=100, desc=self.label, file=sys.stderr, leave=False, bar_format="{l_bar}{bar}|")

    def file_progress(self, batch: ImportBatch) -> None:
        if self.bar is not None:
            self.bar.n = round(batch.progress * 100)
            self.bar.set_description_str(f"{self.label} {batch.counts.get('rows_read', 0):,} 行")

    def file_done(self, result: FileResult) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        super().file_done(result)


class Command(BaseCommand):
    help = (
        "Load deterministic demo data THROUGH THE IMPORTERS: 12 stores, then generated WeChat member, "
        "Tmall order + item, JD and POS files for N people (the same people on several channels) imported "
        "like uploads, a few POS rows broken on purpose to show a row-error report. Same --members, --seed "
        "and --end-date → same files and data; re-running adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=500, help="number of natural persons (default 500)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--end-date", "--today", dest="end_date", type=_day, default=None,
            help="YYYY-MM-DD the two years of history end at (default: the end date of the demo data already "
                 "loaded, else today in Asia/Shanghai)",
        )
        parser.add_argument(
            "--keep-files", type=Path, metavar="DIR", default=None,
            help="write the generated files into DIR and keep them (e.g. to try the upload page); "
                 "default: a temporary directory, deleted afterwards",
        )
        parser.add_argument(
            "--bad-rate", type=float, default=DEFAULT_BAD_RATE,
            help=f"share of POS orders written with a broken value, rejected by the import "
                 f"(default {DEFAULT_BAD_RATE}; 0 for clean files)",
        )

    def handle(self, *args, members, seed, end_date, keep_files, bad_rate, **options):
        if members < 0:
            raise CommandError("--members 不能为负数。")
        if not 0 <= bad_rate <= 1:
            raise CommandError("--bad-rate 应在 0 到 1 之间。")
        if isinstance(end_date, str):  # call_command(end_date="2026-01-15") skips the parser's type
            try:
                end_date = _day(end_date)
            except argparse.ArgumentTypeError as exc:
                raise CommandError(f"--end-date: {exc}") from exc
        note = ""
        if end_date is None:
            end_date = previous_end_date()
            note = " (the end date of the demo data already loaded)" if end_date else ""
        end_date = end_date or timezone.localdate(timezone=SHANGHAI)
        keep_files = Path(keep_files) if keep_files is not None else None

        started = time.perf_counter()
        self.stdout.write(f"seed_demo: {members} people, seed {seed}, history up to {end_date:%Y-%m-%d}{note}")
        progress = _TqdmProgress(self.stdout.write) if sys.stderr.isatty() else _LineProgress(self.stdout.write)
        summary = seed_demo(members=members, seed=seed, end_date=end_date, keep_files=keep_files,
                            bad_rate=bad_rate, progress=progress)
        self._report(summary, time.perf_counter() - started)
        if summary.failed:
            names = ", ".join(f"{r.file.path.name} (batch #{r.batch.pk}: {r.batch.error_message})"
                              for r in summary.failed)
            raise CommandError(f"导入失败 import failed: {names}")

    def _report(self, s: SeedSummary, seconds: float) -> None:
        before, after = s.before, s.after

        def row(label: str, total, added=None) -> None:
            extra = f"  (+{added:,} this run)" if added else ""
            self.stdout.write(f"  {label:<30} {total:>7,}{extra}")

        self.stdout.write(self.style.SUCCESS("演示数据 demo data:"))
        row("people generated", s.people)
        row("  in the files", s.population.in_files)
        row("  on 2+ channels in the files", s.population.on_several_channels)
        row("stores created", s.stores_created)
        skipped = len(s.files) - len(s.imported)
        self.stdout.write(f"  {'files imported':<30} {len(s.imported):>7}" + (
            f"  ({skipped} already imported, skipped)" if skipped else ""))
        row("rows read", s.rows_read)
        row("rows rejected", s.rows_rejected)
        for result in s.imported:
            rejected = result.counts.get("rows_rejected", 0)
            if rejected:
                self.stdout.write(
                    f"    {result.file.path.name}: {rejected} rejected row{'s' * (rejected != 1)} in the error report "
                    f"of batch #{result.batch.pk} "
                    f"({reverse('imports:detail', args=[result.batch.pk])})"
                )
        row("members (active)", after.members, after.members - before.members)
        row("  on 2+ channels (merged)", after.members_on_several_channels,
            after.members_on_several_channels - before.members_on_several_channels)
        if after.members > s.population.in_files:
            self.stdout.write("    (accounts sharing no full mobile or id stay apart; find_duplicates queues likely pairs)")
        row("channel accounts", after.channel_accounts, after.channel_accounts - before.channel_accounts)
        row("merges", after.merges, after.merges - before.merges)
        for channel in sorted(after.orders, key=lambda c: (CHANNEL_ORDER + (c,)).index(c)):
            row(f"orders {channel}", after.orders[channel], after.orders[channel] - before.orders.get(channel, 0))
        row("order lines", after.lines, after.lines - before.lines)
        if after.pending_lines:
            row("item lines awaiting orders", after.pending_lines, after.pending_lines - before.pending_lines)
        row("review queue (pending)", after.review_queue, after.review_queue - before.review_queue)
        row("consent records", after.consents, after.consents - before.consents)
        if s.directory is not None:
            self.stdout.write(f"  files kept in {s.directory}")
        self.stdout.write(f"  took {seconds:.1f}s")
        if any(r.batch.status != ImportStatus.SUCCEEDED for r in s.files):
            self.stdout.write(self.style.ERROR("  some files failed to import, see above"))
