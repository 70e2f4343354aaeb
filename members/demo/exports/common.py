"""Shared machinery of the export-file generators: calendar, buyer schedule, order numbers,
money, CSV lines and bad-row injection. Pure Python; no Django, no wall clock."""

from __future__ import annotations

import multiprocessing
import queue
import random
import shutil
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

DAY = 86400
CRLF = "\r\n"

# Kinds of injected bad rows (see `choose_bad_rows`).
BAD_AMOUNT = "amount"
BAD_DATE = "date"
BAD_ORDER_NO = "order_no"
BAD_ACCOUNT = "account"
ORDER_BAD_KINDS = (BAD_AMOUNT, BAD_DATE, BAD_ORDER_NO)
MEMBER_BAD_KINDS = (BAD_DATE, BAD_ACCOUNT)

# Values no parser should accept; every one encodes in GBK.
BAD_AMOUNTS = ("一百九十九", "199.0.0", "#VALUE!", "￥12O.00", "N/A", "--")
BAD_DATES = ("2023-02-30 12:00:00", "2024-13-01 10:00:00", "昨天 20:15", "#####", "0000-00-00 00:00:00", "45123.5x")


@dataclass
class ExportSummary:
    """What one writer put on disk. `bad_rows` maps spreadsheet row numbers (header = row 1)
    to the kind of fault injected there ("amount", "date", "order_no", "account")."""

    format_key: str
    kind: str
    path: Path
    rows: int = 0
    orders: int = 0
    buyers: int = 0
    bytes: int = 0
    seconds: float = 0.0
    bad_rows: dict[int, str] = field(default_factory=dict)

    def line(self) -> str:
        mb = self.bytes / 1_000_000
        bad = f", {len(self.bad_rows)} bad rows" if self.bad_rows else ""
        return (f"{self.format_key:<16} {self.path}  rows={self.rows:,} orders={self.orders:,} "
                f"buyers={self.buyers:,} size={mb:,.1f} MB time={self.seconds:.1f}s{bad}")


_CLOCK = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
_EXCEL_CLOCK = tuple(f"{h}:{m:02d}" for h in range(24) for m in range(60))
_CENTS: dict[int, str] = {}


def cents(amount: int) -> str:
    """19900 → '199.00'; amounts are whole cents throughout the generators (no floats, no Decimal)."""
    text = _CENTS.get(amount)
    if text is None:
        text = f"{amount // 100}.{amount % 100:02d}"
        if len(_CENTS) < 200_000:
            _CENTS[amount] = text
    return text


def csv_text(value: str) -> str:
    """Quote a free-text field the way Excel does, only when it needs it."""
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


# Scale random() by a hair less than the total: r × total can round up to the total itself
# (and bisect past the last value) when the total is a power of two.
SAFE = 1 - 2**-40


def weighted_picker(pairs):
    """(values, cumulative weights, total) for fast `pick(rng, ...)` with bisect."""
    values, weights = zip(*pairs, strict=True)
    cumulative = list(accumulate(weights))
    return values, cumulative, cumulative[-1] * SAFE


def pick(rng: random.Random, picker):
    values, cumulative, total = picker
    return values[bisect(cumulative, rng.random() * total)]


class Calendar:
    """Order moments as whole seconds after `start` midnight (Asia/Shanghai wall time, naive).

    Days are weighted like a Chinese beauty/apparel brand's year: weekends, 3.8 女神节,
    5.20, 618, 双11 (with its midnight rush) and 双12; hours follow the evening peak.
    """

    HOURS = (2, 1, 0.5, 0.3, 0.2, 0.3, 0.8, 2, 3.5, 4.5, 5, 5, 5.5, 5, 4.5, 4.5, 4.5, 5, 5.5, 7, 9, 10, 9, 5)
    SINGLES_DAY_HOURS = (30, 8, 3, 1, 0.5, 0.5, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 8, 10, 10, 9)
    SHOP_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 6, 6, 6, 6, 6, 7, 7, 8, 8, 6, 2, 0)
    SPECIAL_DAYS = {
        (11, 11): 9.0, (11, 10): 2.5, (11, 12): 1.8, (6, 18): 5.0, (6, 17): 1.8, (12, 12): 2.5,
        (3, 8): 2.5, (3, 7): 1.8, (5, 20): 1.8, (2, 14): 1.6,
    }
    MARGIN_DAYS = 5 * 366  # room before `start` for member registrations

    def __init__(self, start: date, end: date):
        if end <= start:
            raise ValueError("the date range is empty: end must be after start")
        self.start = start
        self.end = end
        self.days = (end - start).days
        self.end_second = self.days * DAY  # exclusive: nothing in the files happens at or after it
        weights = []
        for offset in range(self.days):
            day = start + timedelta(days=offset)
            weight = 1.15 if day.weekday() >= 5 else 1.0
            special = self.SPECIAL_DAYS.get((day.month, day.day))
            if special:
                weight *= special
            elif (day.month == 11 and day.day < 10) or (day.month == 6 and day.day < 17):
                weight *= 1.5  # pre-sale weeks
            weights.append(weight)
        self._day_cumulative = list(accumulate(weights))
        self._day_total = self._day_cumulative[-1] * SAFE
        self._singles_days = frozenset(
            o for o in range(self.days) if (start + timedelta(days=o)).strftime("%m%d") == "1111"
        )
        self._hours = list(accumulate(self.HOURS))
        self._singles_hours = list(accumulate(self.SINGLES_DAY_HOURS))
        self._shop_hours = list(accumulate(self.SHOP_HOURS))
        first = start - timedelta(days=self.MARGIN_DAYS)
        count = self.MARGIN_DAYS + self.days + 400
        all_days = [first + timedelta(days=i) for i in range(count)]
        self._iso = [d.isoformat() for d in all_days]
        self._slash = [f"{d.year}/{d.month}/{d.day}" for d in all_days]
        self._compact = [f"{d:%y%m%d}" for d in all_days]

    def draw(self, rng: random.Random, shop: bool = False) -> int:
        """A moment in [start, end): weighted day, then weighted hour, then any second of it."""
        r = rng.random
        day = bisect(self._day_cumulative, r() * self._day_total)
        if shop:
            hours = self._shop_hours
        else:
            hours = self._singles_hours if day in self._singles_days else self._hours
        hour = bisect(hours, r() * hours[-1] * SAFE)
        return day * DAY + hour * 3600 + int(r() * 3600)

    def day_index(self, second: int) -> int:
        return second // DAY + self.MARGIN_DAYS

    def text(self, second: int) -> str:
        """'2024-05-12 20:31:07'"""
        day, rest = divmod(second, DAY)
        return f"{self._iso[day + self.MARGIN_DAYS]} {_CLOCK[rest]}"

    def excel_text(self, second: int) -> str:
        """'2024/5/12 20:31' — what Excel writes back after someone opens and saves the CSV."""
        day, rest = divmod(second, DAY)
        return f"{self._slash[day + self.MARGIN_DAYS]} {_EXCEL_CLOCK[rest // 60]}"

    def date_text(self, second: int) -> str:
        return self._iso[second // DAY + self.MARGIN_DAYS]

    def compact_date(self, second: int) -> str:
        """'240512' (used inside POS receipt numbers)."""
        return self._compact[second // DAY + self.MARGIN_DAYS]


class Scrambler:
    """A keyed bijection on [0, half²) (a 3-round Feistel network): order numbers that look
    random yet are unique by construction, so a million of them need no `seen` set."""

    def __init__(self, key: str, half: int):
        rng = random.Random(key)
        self.half = half
        self.keys = tuple(rng.randrange(1, 1 << 40) | 1 for _ in range(3))

    def __call__(self, value: int) -> int:
        half = self.half
        left, right = divmod(value, half)
        for key in self.keys:
            left, right = right, (left + (((right + key) * 2654435761) ^ ((right * key) >> 17))) % half
        return left * half + right


def schedule(rng: random.Random, buyer_count: int, orders: int, calendar: Calendar,
             shop: bool = False, lines_picker=None, rows: int | None = None) -> list[int]:
    """Who orders when: each of `buyer_count` buyers (positions 0..n-1) gets at least one order,
    the rest go to a heavy-tailed few (loyal repeat buyers). Returns packed ints, newest first:
    ``((second * buyer_slots + position) << 3) | lines`` (lines = 0 when `lines_picker` is None).

    With `lines_picker` and `rows`, orders are drawn until their line count fills `rows` exactly
    (one file row per line, as in JD and the generic order file); otherwise `orders` orders.
    Only small ints are kept per order, so memory stays at ~50 bytes an order.
    """
    slots = 1 << max(1, (buyer_count - 1).bit_length())
    weights = list(accumulate(min(rng.paretovariate(1.3), 60.0) for _ in range(buyer_count)))
    total = weights[-1] * SAFE if weights else 0
    r = rng.random
    draw = calendar.draw
    packed = []
    append = packed.append
    position = 0
    filled = 0
    target = rows if lines_picker is not None else orders
    while filled < target:
        if position < buyer_count:
            buyer = position
            position += 1
        else:
            buyer = bisect(weights, r() * total)
        lines = 0
        if lines_picker is not None:
            lines = min(pick(rng, lines_picker), target - filled)
            filled += lines
        else:
            filled += 1
        append(((draw(rng, shop) * slots + buyer) << 3) | lines)
    packed.sort(reverse=True)
    return packed


def unpack(value: int, slots: int) -> tuple[int, int, int]:
    """(second, buyer position, lines) from a `schedule` entry."""
    lines = value & 7
    second, buyer = divmod(value >> 3, slots)
    return second, buyer, lines


def buyer_slots(buyer_count: int) -> int:
    return 1 << max(1, (buyer_count - 1).bit_length())


def choose_bad_rows(seed, key: str, total: int, rate: float, kinds: tuple[str, ...]) -> dict[int, str]:
    """Exactly round(total × rate) positions (0-based) → a fault kind, from their own stream so
    turning injection on or off never changes the good rows."""
    count = round(total * rate) if rate > 0 else 0
    if count <= 0 or total <= 0:
        return {}
    rng = random.Random(f"{seed}:bad:{key}")
    positions = sorted(rng.sample(range(total), min(count, total)))
    return {p: kinds[rng.randrange(len(kinds))] for p in positions}


class LineSink:
    """Buffered text lines appended to one file in chunks; the file is never held whole."""

    def __init__(self, path: Path, encoding: str, chunk: int = 4096):
        self.path = Path(path)
        self._file = open(self.path, "a", encoding=encoding, newline="")  # noqa: SIM115
        self._buffer: list[str] = []
        self._chunk = chunk
        self.rows = 0

    def add(self, line: str) -> None:
        self._buffer.append(line)
        if len(self._buffer) >= self._chunk:
            self.flush()

    def add_many(self, lines: list[str]) -> None:
        """A whole block's lines at once (cheaper than `add` per line)."""
        self.flush()
        self.rows += len(lines)
        self._file.write("".join(lines))

    def flush(self) -> None:
        self.rows += len(self._buffer)
        self._file.write("".join(self._buffer))
        self._buffer.clear()

    def close(self) -> None:
        self.flush()
        self._file.close()


@dataclass(frozen=True)
class Output:
    """One file a block writer produces: where, how encoded, which header row."""

    format_key: str
    kind: str
    path: Path
    encoding: str  # "gb18030" or "utf-8-sig" (the BOM goes with the header only)
    header: list[str]

    @property
    def body_encoding(self) -> str:
        return "utf-8" if self.encoding == "utf-8-sig" else self.encoding


def write_blocks(outputs: list[Output], blocks: int, render, jobs: int = 1) -> tuple[list[int], int, float]:
    """Write `blocks` blocks of rows into every output, in block order, on up to `jobs` processes.

    `render(block, sinks)` adds the block's lines to the sinks (one per output, same order) and
    returns how many orders it wrote. Each block draws from its own random stream, so the files
    are the same bytes whatever `jobs` is. Workers are forked (they inherit the population
    without pickling); worker 0 appends to the real files, the others write part files that are
    appended afterwards. Returns (data rows per output, orders, seconds).
    """
    started = time.perf_counter()
    for output in outputs:
        output.path.parent.mkdir(parents=True, exist_ok=True)
        with open(output.path, "w", encoding=output.encoding, newline="") as file:
            file.write(",".join(output.header) + CRLF)
    jobs = max(1, min(jobs, blocks))
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        jobs = 1
    if jobs == 1:
        rows, orders = _write_range(outputs, range(blocks), render, part=None)
        return rows, orders, time.perf_counter() - started

    bounds = [blocks * j // jobs for j in range(jobs + 1)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = []
    for j in range(jobs):
        blocks_j = range(bounds[j], bounds[j + 1])
        worker = context.Process(target=_worker, args=(results, j, outputs, blocks_j, render), daemon=True)
        worker.start()
        workers.append(worker)
    done = {}
    try:
        while len(done) < jobs:
            try:
                j, value = results.get(timeout=1)
            except queue.Empty:
                if any(not w.is_alive() and w.exitcode != 0 for w in workers):
                    raise RuntimeError("an export worker died") from None
                continue
            done[j] = value
            if isinstance(value, str):
                raise RuntimeError(f"an export worker failed: {value}")
        for worker in workers:
            worker.join()
        for j in range(1, jobs):
            for output in outputs:
                part = _part_path(output.path, j)
                with open(output.path, "ab") as target, open(part, "rb") as source:
                    shutil.copyfileobj(source, target, 16 * 1024 * 1024)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for j in range(1, jobs):
            for output in outputs:
                _part_path(output.path, j).unlink(missing_ok=True)
    rows = [sum(done[j][0][i] for j in range(jobs)) for i in range(len(outputs))]
    orders = sum(done[j][1] for j in range(jobs))
    return rows, orders, time.perf_counter() - started


def _part_path(path: Path, part: int) -> Path:
    return path.with_name(f"{path.name}.part{part}")


def _write_range(outputs: list[Output], blocks: range, render, part: int | None) -> tuple[list[int], int]:
    paths = [output.path if not part else _part_path(output.path, part) for output in outputs]
    if part:
        for path in paths:
            path.write_bytes(b"")
    sinks = [LineSink(path, output.body_encoding) for path, output in zip(paths, outputs, strict=True)]
    orders = 0
    try:
        for block in blocks:
            orders += render(block, sinks)
    finally:
        for sink in sinks:
            sink.close()
    return [sink.rows for sink in sinks], orders


def _worker(results, part: int, outputs: list[Output], blocks: range, render) -> None:
    try:
        results.put((part, _write_range(outputs, blocks, render, part)))
    except BaseException as error:  # reported to the parent, which raises
        results.put((part, f"{type(error).__name__}: {error}"))
        raise


def summary_for(output: Output, rows: int, orders: int, buyers: int, seconds: float,
                bad_rows: dict[int, str] | None = None) -> ExportSummary:
    return ExportSummary(output.format_key, output.kind, output.path, rows=rows, orders=orders, buyers=buyers,
                         bytes=output.path.stat().st_size, seconds=seconds, bad_rows=bad_rows or {})
