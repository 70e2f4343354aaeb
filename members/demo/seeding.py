"""Load the demo data the way real channel data arrives: export files through the importers.

`seed_demo` writes a consistent set of channel files for the population (`members.demo.exports`:
WeChat members, the Tmall order and item reports, a JD export, POS receipts) and imports them
with `members.imports.engine.import_file`, in the order a shop would: members first, orders
after, the Tmall item report after its orders. Cleaning, bulk identity resolution, merges,
order upserts, consent and row-error reports all run exactly as for an uploaded file.

The same people appear on several channels with the same mobile, so the imports merge them.
A few rows of the POS file are broken on purpose (`bad_rate`) so the demo shows a row-error
report; the rest of that file still imports.

Deterministic: the same members, seed and end date give byte-identical files, hence the same
data. Idempotent: a file whose exact bytes were already imported successfully is skipped (the
earlier batch is reported instead), so re-running adds nothing — not even a batch. Importing
the same files again would change nothing either: the importers compare with what is stored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from django.db.models import Count

from members.imports.engine import file_sha256, import_file
from members.models import (
    CandidateStatus,
    ConsentRecord,
    ImportBatch,
    ImportStatus,
    Member,
    MemberStatus,
    MergeCandidate,
    MergeRecord,
    Order,
    OrderLine,
    PendingOrderLine,
    SourceProfile,
)

from .exports import generate_population, write_demo_exports, write_generic_orders
from .exports.plan import Plan
from .stores import ensure_stores

ACTOR_LABEL = "seed_demo"
DEFAULT_BAD_RATE = 0.01
# The file that gets the broken rows: our own POS template is the one staff fill in by hand,
# and its item lines sit on the order rows, so a rejected row takes nothing else with it.
BAD_FILE = ("generic", "orders")
FILE_LABELS = {
    ("generic", "members"): "微信会员 WeChat members",
    ("tmall", "orders"): "天猫订单 Tmall orders",
    ("tmall_items", "orders"): "天猫明细 Tmall items",
    ("jd", "orders"): "京东订单 JD orders",
    ("generic", "orders"): "门店小票 POS orders",
}
CHANNELS = ("tmall", "jd", "pos", "wechat")  # the population's channel lists
# Every demo file name ends with the export stamp `YYYYMMDD0800` of its end date.
_STAMP = re.compile(r"(\d{8})0800\.csv$")


@dataclass
class DemoFile:
    format_key: str
    kind: str
    path: Path
    bad_rows: int = 0  # file rows broken on purpose

    @property
    def label(self) -> str:
        return FILE_LABELS.get((self.format_key, self.kind), f"{self.format_key} {self.kind}")


@dataclass
class FileResult:
    file: DemoFile
    batch: ImportBatch
    skipped: bool = False  # these exact bytes were imported before: `batch` is that earlier batch

    @property
    def counts(self) -> dict:
        return self.batch.counts or {}


@dataclass
class PeopleInFiles:
    """Who is in the files: people on at least one channel, and on two or more."""

    people: int = 0
    in_files: int = 0
    on_several_channels: int = 0


@dataclass
class Totals:
    """What the database holds (demo data or not), to report totals and what this run added."""

    members: int = 0
    members_on_several_channels: int = 0
    channel_accounts: int = 0
    merges: int = 0
    orders: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    pending_lines: int = 0
    review_queue: int = 0
    consents: int = 0

    @classmethod
    def read(cls) -> Totals:
        active = Member.objects.filter(status=MemberStatus.ACTIVE)
        several = (
            SourceProfile.objects.filter(member__status=MemberStatus.ACTIVE).values("member")
            .annotate(channels=Count("channel", distinct=True)).filter(channels__gte=2)
        )
        return cls(
            members=active.count(),
            members_on_several_channels=several.count(),
            channel_accounts=SourceProfile.objects.count(),
            merges=MergeRecord.objects.filter(undone_at__isnull=True).count(),
            orders=dict(Order.objects.values_list("channel").annotate(n=Count("id")).order_by("channel")),
            lines=OrderLine.objects.count(),
            pending_lines=PendingOrderLine.objects.count(),
            review_queue=MergeCandidate.objects.filter(status=CandidateStatus.PENDING).count(),
            consents=ConsentRecord.objects.count(),
        )


@dataclass
class SeedSummary:
    people: int
    seed: int
    end_date: date
    directory: Path | None = None  # where the files were kept (None: a deleted temporary directory)
    stores_created: int = 0
    population: PeopleInFiles = field(default_factory=PeopleInFiles)
    files: list[FileResult] = field(default_factory=list)
    before: Totals = field(default_factory=Totals)
    after: Totals = field(default_factory=Totals)

    @property
    def imported(self) -> list[FileResult]:
        return [r for r in self.files if not r.skipped]

    @property
    def rows_read(self) -> int:
        return sum(r.counts.get("rows_read", 0) for r in self.imported)

    @property
    def rows_rejected(self) -> int:
        return sum(r.counts.get("rows_rejected", 0) for r in self.imported)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.files if r.batch.status != ImportStatus.SUCCEEDED]


class Progress:
    """Progress sink; the command swaps in tqdm bars or one line per file."""

    def step(self, message: str) -> None:
        pass

    def file_started(self, index: int, total: int, demo_file: DemoFile) -> None:
        pass

    def file_progress(self, batch: ImportBatch) -> None:
        pass

    def file_done(self, result: FileResult) -> None:
        pass


def previous_end_date() -> date | None:
    """The end date of the demo files imported last, so a re-run on another day adds nothing."""
    names = (
        ImportBatch.objects.filter(actor_label=ACTOR_LABEL, status=ImportStatus.SUCCEEDED)
        .order_by("-id").values_list("file_name", flat=True)[:10]
    )
    for name in names:
        match = _STAMP.search(name)
        if match:
            try:
                return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
            except ValueError:
                continue
    return None


def write_files(directory: Path, *, people: int, seed: int, end_date: date,
                bad_rate: float = DEFAULT_BAD_RATE) -> tuple[list[DemoFile], PeopleInFiles]:
    """The demo file set in `directory`, clean except for `bad_rate` of the POS orders (at least
    one when `bad_rate` > 0 and there are POS orders). Returns the files in import order."""
    written = write_demo_exports(directory, people=people, seed=seed, end_date=end_date, bad_rate=0.0)
    files = [DemoFile(key, kind, Path(path)) for key, kind, path in written]
    population = generate_population(seed, people, end_date=end_date)
    channels = Counter(i for name in CHANNELS for i in getattr(population, name))
    summary = PeopleInFiles(people=people, in_files=len(channels),
                            on_several_channels=sum(1 for n in channels.values() if n >= 2))
    if bad_rate > 0:
        for demo_file in files:
            if (demo_file.format_key, demo_file.kind) == BAD_FILE:
                demo_file.bad_rows = _break_rows(demo_file.path, population, bad_rate)
    return files, summary


def _break_rows(path: Path, population, bad_rate: float) -> int:
    """Write the POS file again with broken rows. Bad rows are drawn from their own random stream,
    so the good rows stay exactly what the clean file had (same `rows`, same population)."""
    rows = path.read_bytes().count(b"\r\n") - 1  # no field of this file holds a line break
    orders = Plan(population, "pos", rows=rows, shop=True).orders
    if rows <= 0 or orders == 0:
        return 0
    rate = max(bad_rate, 1 / orders)  # a tiny demo still shows one error report
    return len(write_generic_orders(path, population, rows, bad_rate=min(rate, 1.0)).bad_rows)


@contextmanager
def _directory(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with TemporaryDirectory(prefix="seed_demo_") as tmp:
        yield Path(tmp)


def import_demo_file(demo_file: DemoFile, progress: Progress) -> FileResult:
    """Import one file, or report the earlier batch when these exact bytes are already in."""
    earlier = (
        ImportBatch.objects.filter(kind=demo_file.kind, format=demo_file.format_key,
                                   file_sha256=file_sha256(demo_file.path), status=ImportStatus.SUCCEEDED)
        .order_by("id").first()
    )
    if earlier is not None:
        return FileResult(demo_file, earlier, skipped=True)
    batch = import_file(kind=demo_file.kind, format_key=demo_file.format_key, path=demo_file.path,
                        actor_label=ACTOR_LABEL, progress=progress.file_progress)
    return FileResult(demo_file, batch)


def seed_demo(*, members: int, seed: int, end_date: date, keep_files: Path | None = None,
              bad_rate: float = DEFAULT_BAD_RATE, progress: Progress | None = None) -> SeedSummary:
    """Stores, then the generated channel files through the importers; see the module docstring."""
    progress = progress or Progress()
    summary = SeedSummary(people=members, seed=seed, end_date=end_date, directory=keep_files)
    _, summary.stores_created = ensure_stores()
    summary.before = Totals.read()
    with _directory(keep_files) as directory:
        progress.step(f"生成渠道导出文件 writing channel files to {directory}")
        files, summary.population = write_files(directory, people=members, seed=seed, end_date=end_date,
                                                bad_rate=bad_rate)
        for index, demo_file in enumerate(files, start=1):
            progress.file_started(index, len(files), demo_file)
            result = import_demo_file(demo_file, progress)
            summary.files.append(result)
            progress.file_done(result)
    summary.after = Totals.read()
    return summary
