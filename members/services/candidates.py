"""Fuzzy duplicate detection: fill the review queue with likely duplicate people.

Deterministic resolution links people who share an identifier (mobile, UnionID, ...).
This finds the ones that no identifier links — same person typed differently across
channels — and proposes them for a person to decide on (MergeCandidate, source=fuzzy).
A fuzzy match never merges automatically.

How (all in memory, one pass over the active people):
1. read the active members' profile fields and their channel accounts' fields with
   .values() in chunks; each person is compared through all of their distinct profiles
   (the best-matching pair of profiles decides), so a person merged from several
   channels still meets a duplicate that resembles only one of those channels;
2. blocking keys (members.matching.blocking) group people; blocks bigger than
   `max_block_size` are skipped as uninformative (counted in the result);
3. every distinct pair of people sharing a block is scored once (members.matching.scoring),
   with how many people carry each name, so that a common name (王伟) counts for less;
4. pairs at or above `min_score` are upserted in bulk: new → pending candidate, pending
   fuzzy candidate → score/reasons refreshed when they changed. Pairs that were already
   decided (merged / rejected), guard candidates, and pairs sharing a linking identifier
   (mobile / email under an enabled match rule: these were linked deterministically or
   refused by the guard, which already queued them) are left alone.

Running it twice in a row creates and updates nothing the second time.

Scale: everything above is in memory on one worker (docs/benchmarks.md: 100,000 people take
~25 s and < 0.5 GB). Past a few million members, block one key family at a time, or compute
the keys in SQL and GROUP BY them, scoring only the pairs of small groups; `member_ids`
already limits the scoring to pairs involving recently changed people.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations, product

from django.db import transaction

from members import cleaning
from members.matching import DEFAULT_MIN_SCORE, Features, blocking_keys, build_features, score_pair
from members.models import (
    BlockedValue,
    CandidateSource,
    CandidateStatus,
    IdentifierKind,
    MatchRule,
    Member,
    MemberStatus,
    MergeCandidate,
    SourceProfile,
)

PROFILE_VALUES = ("name", "gender", "birthday", "mobile", "email", "province", "city", "district", "address", "attributes")
# Profile fields that are also linking identifiers when their match rule is enabled.
_IDENTIFIER_FIELDS = {IdentifierKind.MOBILE.value: "mobile", IdentifierKind.EMAIL.value: "email"}
MAX_PROFILES_PER_MEMBER = 8  # distinct profiles compared per person (the person's own + channel accounts)
_CHUNK = 2000


@dataclass
class CandidateRun:
    members_scanned: int = 0
    pairs_scored: int = 0
    created: int = 0
    updated: int = 0
    blocks: int = 0
    blocks_skipped: int = 0  # larger than max_block_size: uninformative, not compared
    pairs_excluded: int = 0  # above the threshold but decided before, guard-queued, or sharing an identifier

    def summary(self) -> str:
        return (
            f"扫描会员 {self.members_scanned} 人，比对 {self.pairs_scored} 对；"
            f"新增疑似重复 {self.created} 对，更新 {self.updated} 对；"
            f"分组 {self.blocks} 个，跳过过大分组 {self.blocks_skipped} 个；"
            f"已决定/已在队列/共享标识而未处理 {self.pairs_excluded} 对。"
        )


class PeopleIndex:
    """Per person: distinct feature sets and linking-identifier values. In memory, no database:
    `add(person_id, profile_dict)` once per profile (the person's own, each channel account)."""

    def __init__(self, linking_fields: tuple[str, ...] = (), blocked: set[tuple[str, str]] | None = None):
        self.features: dict[int, list[Features]] = defaultdict(list)
        self.identifiers: dict[int, set[tuple[str, str]]] = defaultdict(set)
        self._linking_fields = linking_fields
        self._blocked = blocked or set()

    def _usable(self, kind: str, value: str) -> bool:
        if not value:
            return False
        if cleaning.is_blocked_value(kind, value):
            return False
        return (kind, value) not in self._blocked and ("", value) not in self._blocked

    def add(self, member_id: int, row: dict) -> None:
        row = dict(row)
        for kind, field in _IDENTIFIER_FIELDS.items():  # junk values are no evidence of anything
            if row.get(field) and not self._usable(kind, row[field]):
                row[field] = ""
        for field in self._linking_fields:
            if row.get(field):
                self.identifiers[member_id].add((field, row[field]))
        features = build_features(row)
        known = self.features[member_id]
        if features not in known and len(known) < MAX_PROFILES_PER_MEMBER:
            known.append(features)

    def share_identifier(self, a: int, b: int) -> bool:
        return bool(self.identifiers.get(a)) and not self.identifiers[a].isdisjoint(self.identifiers.get(b, ()))


def _linking_fields() -> tuple[str, ...]:
    kinds = set(MatchRule.objects.filter(enabled=True).values_list("kind", flat=True))
    return tuple(field for kind, field in _IDENTIFIER_FIELDS.items() if kind in kinds)


def load_people() -> PeopleIndex:
    """Every active person's own profile and channel accounts, read in chunks."""
    blocked = set(
        BlockedValue.objects.filter(kind__in=["", *_IDENTIFIER_FIELDS]).values_list("kind", "value")
    )
    people = PeopleIndex(_linking_fields(), blocked)
    members = Member.objects.filter(status=MemberStatus.ACTIVE).order_by("pk").values("pk", *PROFILE_VALUES)
    for row in members.iterator(chunk_size=_CHUNK):
        people.add(row.pop("pk"), row)
    accounts = (
        SourceProfile.objects.filter(member__status=MemberStatus.ACTIVE)
        .order_by("member_id", "-seen_at")
        .values("member_id", *PROFILE_VALUES)
    )
    for row in accounts.iterator(chunk_size=_CHUNK):
        people.add(row.pop("member_id"), row)
    return people


def _candidate_pairs(people: PeopleIndex, max_block_size: int, run: CandidateRun) -> set[tuple[int, int]]:
    # Keys are hashed to ints to keep memory down; a (harmless) collision only adds a comparison.
    blocks: dict[int, list[int]] = defaultdict(list)
    for member_id, feature_sets in people.features.items():
        keys = set()
        for features in feature_sets:
            keys |= blocking_keys(features)
        for key in keys:
            blocks[hash(key)].append(member_id)
    pairs: set[tuple[int, int]] = set()
    for ids in blocks.values():
        if len(ids) < 2:
            continue
        run.blocks += 1
        if len(ids) > max_block_size:
            run.blocks_skipped += 1
            continue
        pairs.update(combinations(sorted(ids), 2))
    return pairs


def _name_counts(people: PeopleIndex) -> Counter:
    """How many people carry each name (pinyin key): agreeing on a common name is weaker evidence."""
    counts: Counter = Counter()
    for feature_sets in people.features.values():
        counts.update({f.name.key for f in feature_sets if f.name.key})
    return counts


def _best_score(a: list[Features], b: list[Features], name_counts: Counter) -> tuple[float, list[str]]:
    return max(
        (
            score_pair(x, y, name_count=max(name_counts[x.name.key], name_counts[y.name.key]))
            for x, y in product(a, b)
        ),
        key=lambda result: result[0],
    )


def _existing(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], MergeCandidate]:
    by_a: dict[int, set[int]] = defaultdict(set)
    for a, b in pairs:
        by_a[a].add(b)
    found: dict[tuple[int, int], MergeCandidate] = {}
    member_as = sorted(by_a)
    for start in range(0, len(member_as), 500):
        chunk = member_as[start:start + 500]
        rows = MergeCandidate.objects.filter(member_a_id__in=chunk).only(
            "pk", "member_a_id", "member_b_id", "source", "status", "score", "reasons"
        )
        for candidate in rows:
            if candidate.member_b_id in by_a[candidate.member_a_id]:
                found[(candidate.member_a_id, candidate.member_b_id)] = candidate
    return found


def find_duplicate_candidates(
    *, min_score: float = DEFAULT_MIN_SCORE, max_block_size: int = 50, member_ids: Iterable[int] | None = None
) -> CandidateRun:
    """Score likely duplicate people and queue them for review; see the module docstring.

    member_ids: only propose pairs involving at least one of these people (e.g. after an import);
    everyone active is still read, since their partner may be anyone.
    """
    run = CandidateRun()
    people = load_people()
    hits = score_people(people, min_score=min_score, max_block_size=max_block_size, member_ids=member_ids, run=run)
    _save(hits, people, run)
    return run


def score_people(
    people: PeopleIndex, *, min_score: float = DEFAULT_MIN_SCORE, max_block_size: int = 50,
    member_ids: Iterable[int] | None = None, run: CandidateRun | None = None,
) -> dict[tuple[int, int], tuple[float, list[str]]]:
    """The in-memory part: block, score each distinct pair once, keep those >= min_score.
    {(smaller id, larger id): (score, reasons)}; fills `run`'s counters when given."""
    run = run if run is not None else CandidateRun()
    run.members_scanned = len(people.features)
    pairs = _candidate_pairs(people, max_block_size, run)
    if member_ids is not None:
        focus = set(member_ids)
        pairs = {p for p in pairs if p[0] in focus or p[1] in focus}
    name_counts = _name_counts(people)
    hits: dict[tuple[int, int], tuple[float, list[str]]] = {}
    for a, b in pairs:
        run.pairs_scored += 1
        score, reasons = _best_score(people.features[a], people.features[b], name_counts)
        if score >= min_score:
            hits[(a, b)] = (score, reasons)
    return hits


@transaction.atomic
def _save(hits: dict[tuple[int, int], tuple[float, list[str]]], people: PeopleIndex, run: CandidateRun) -> None:
    existing = _existing(hits)
    to_create, to_update = [], []
    for (a, b), (score, reasons) in sorted(hits.items()):
        candidate = existing.get((a, b))
        if candidate is None:
            if people.share_identifier(a, b):
                run.pairs_excluded += 1
                continue
            to_create.append(
                MergeCandidate(
                    member_a_id=a, member_b_id=b, source=CandidateSource.FUZZY, score=score, reasons=reasons,
                    status=CandidateStatus.PENDING,
                )
            )
        elif candidate.status != CandidateStatus.PENDING or candidate.source != CandidateSource.FUZZY:
            run.pairs_excluded += 1  # decided by a person, or queued by the guard with its own reasons
        elif candidate.score != score or candidate.reasons != reasons:
            candidate.score, candidate.reasons = score, reasons
            to_update.append(candidate)
    # ignore_conflicts: a concurrent run may have queued the same pair a moment ago.
    MergeCandidate.objects.bulk_create(to_create, batch_size=500, ignore_conflicts=True)
    MergeCandidate.objects.bulk_update(to_update, ["score", "reasons"], batch_size=500)
    run.created, run.updated = len(to_create), len(to_update)
