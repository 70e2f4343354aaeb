"""Deterministic identity resolution: one incoming channel record → one natural person.

Steps, all in one transaction:
1. clean the record and drop identifiers that must never link (blocked values);
2. lock the record's identifier values (no two resolvers create the same person);
3. find the people already holding the channel account or any linking identifier;
4. merge them into the oldest one, unless the mega-merge guard refuses (→ review queue);
5. upsert the channel account (source profile) and identities, recompute the profile.

Twin of the set-based `resolve_records` (imports); agreement: tests/members/test_bulk_resolution.py::
test_bulk_resolution_partitions_accounts_exactly_like_one_by_one.
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q

from core.locks import lock_keys
from members import cleaning
from members.models import (
    BlockedValue,
    CandidateSource,
    Identity,
    MatchRule,
    Member,
    MemberStatus,
    MergeCandidate,
    MergeRecord,
    SourceProfile,
    Store,
)

from .attributes import validate_attributes
from .codes import allocate_member_codes
from .errors import ResolutionError
from .identity_limits import exceeded_kind, identity_counts, over_limit
from .merging import lock_members, merge_members, survivor_order
from .records import CleanRecord, IncomingRecord, clean_record
from .survivorship import recompute_profile

_PROFILE_LINK = "source_profile"


@dataclass
class Resolution:
    member: Member
    source_profile: SourceProfile
    created: bool = False
    merges: list[MergeRecord] = field(default_factory=list)
    queued: list[MergeCandidate] = field(default_factory=list)
    skipped_identifiers: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Link:
    priority: int
    member_id: int
    kind: str
    value: str


def active_rules() -> dict[str, MatchRule]:
    return {r.kind: r for r in MatchRule.objects.filter(enabled=True)}


def drop_blocked(identifiers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Remove built-in junk values and the ones staff blocked in admin."""
    kept = [(k, v) for k, v in identifiers if not cleaning.is_blocked_value(k, v)]
    if not kept:
        return kept
    blocked = set(
        BlockedValue.objects.filter(value__in=[v for _, v in kept]).values_list("kind", "value")
    )
    return [(k, v) for k, v in kept if (k, v) not in blocked and ("", v) not in blocked]


def _identity_filter(pairs) -> Q:
    return reduce(or_, (Q(kind=k, value=v) for k, v in pairs))


def _queue_guard(member_x: int, member_y: int, kind: str, link: _Link) -> MergeCandidate:
    a, b = sorted((member_x, member_y))
    candidate, _ = MergeCandidate.objects.get_or_create(
        member_a_id=a,
        member_b_id=b,
        defaults={
            "source": CandidateSource.GUARD,
            "score": 1.0,
            "reasons": [f"共享{link.kind}: {link.value}", f"合并后{kind}数量将超过上限，需人工确认"],
        },
    )
    return candidate


def _plan(links: list[_Link], rules) -> tuple[list[int], list[tuple]]:
    """Pick who joins the anchor person; returns (group member ids, refused (member, kind, link))."""
    order = list(dict.fromkeys(link.member_id for link in sorted(links, key=lambda x: x.priority)))
    counts = identity_counts(order)
    group = [order[0]]
    total = Counter(counts[order[0]])
    refused = []
    for member_id in order[1:]:
        trial = total + counts[member_id]
        kind = exceeded_kind(trial, rules)
        if kind:
            link = next(lk for lk in links if lk.member_id == member_id)
            refused.append((member_id, kind, link))
        else:
            group.append(member_id)
            total = trial
    return group, refused


def _merge_cause(links: list[_Link], survivor_id: int, absorbed_id: int) -> _Link:
    """The identifier that tied the two people together, rather than the record's own account."""
    best = {}
    for link in sorted(links, key=lambda x: x.priority):
        best.setdefault(link.member_id, link)
    to_absorbed, to_survivor = best[absorbed_id], best[survivor_id]
    return to_absorbed if to_absorbed.kind != _PROFILE_LINK else to_survivor


def _survivor(member_ids: list[int]) -> Member:
    return min(Member.objects.filter(pk__in=member_ids), key=survivor_order)


def _store_id(code: str, notes: list[str]) -> int | None:
    if not code:
        return None
    store_id = Store.objects.filter(code=code).values_list("pk", flat=True).first()
    if store_id is None:
        notes.append(f"门店编码不存在: {code}")
    return store_id


def _upsert_profile(clean: CleanRecord, external_id: str, member: Member, store_id) -> SourceProfile:
    values = {**clean.profile, "home_store_id": store_id, "seen_at": clean.seen_at, "raw": clean.raw}
    profile = SourceProfile.objects.filter(channel=clean.channel, external_id=external_id).first()
    if profile is None:
        return SourceProfile.objects.create(channel=clean.channel, external_id=external_id, member=member, **values)
    profile.member = member
    if clean.seen_at >= profile.seen_at:  # an older export never overwrites what the channel said later
        for key, value in values.items():
            setattr(profile, key, value)
    profile.save()
    return profile


class _Stale(Exception):
    """A linked person was merged away between lookup and lock."""


def _find_links(clean: CleanRecord, external_id: str, identifiers, linking, rules):
    profile = SourceProfile.objects.filter(channel=clean.channel, external_id=external_id).first()
    existing = (
        {(i.kind, i.value): i for i in Identity.objects.filter(_identity_filter(identifiers))} if identifiers else {}
    )
    links = [_Link(-1, profile.member_id, _PROFILE_LINK, external_id)] if profile else []
    links += [
        _Link(rules[k].priority, existing[(k, v)].member_id, k, v) for k, v in linking if (k, v) in existing
    ]
    return existing, links


def _lock_linked_people(clean, external_id, identifiers, linking, rules, attempts: int = 5):
    """Find the people the record links to and row-lock them while they are still all active.

    A concurrent merge may absorb one of them between the lookup and the lock; then
    the identities have moved on, so look again (READ COMMITTED sees the new owner).
    """
    for _ in range(attempts):
        existing, links = _find_links(clean, external_id, identifiers, linking, rules)
        wanted = {link.member_id for link in links}
        try:
            # A savepoint per attempt: rolling it back releases the row locks of a failed
            # attempt, so locks are only ever held in one sorted batch (no deadlock).
            with transaction.atomic():
                locked = lock_members(*wanted) if wanted else {}
                if len(locked) != len(wanted) or any(m.status != MemberStatus.ACTIVE for m in locked.values()):
                    raise _Stale
        except _Stale:
            continue
        return existing, links
    raise ResolutionError("会员数据正在被并发修改，请稍后重试。")


@transaction.atomic
def resolve_record(record: IncomingRecord, *, actor=None, actor_label: str = "system") -> Resolution:
    clean = clean_record(record)
    if clean.profile["attributes"]:
        clean.profile["attributes"] = validate_attributes(clean.profile["attributes"], partial=True)
    identifiers = drop_blocked(clean.identifiers)
    rules = active_rules()
    linking = sorted(
        ((k, v) for k, v in identifiers if k in rules), key=lambda kv: rules[kv[0]].priority
    )
    external_id = clean.external_id or next((f"{k}:{v}" for k, v in linking or identifiers), "")
    if not external_id:
        raise ResolutionError("没有可用于识别会员的标识：渠道账号、手机号、邮箱等均为空或无效。")

    lock_keys([f"profile:{clean.channel}:{external_id}", *(f"id:{k}:{v}" for k, v in identifiers)])

    existing, links = _lock_linked_people(clean, external_id, identifiers, linking, rules)

    result_notes = list(clean.notes)
    store_id = _store_id(clean.store_code, result_notes)
    merges, queued = [], []
    if links:
        group, refused = _plan(links, rules)
        survivor = _survivor(group)
        for member_id in group:
            if member_id == survivor.pk:
                continue
            link = _merge_cause(links, survivor.pk, member_id)
            merges.append(
                merge_members(
                    survivor_id=survivor.pk,
                    absorbed_id=member_id,
                    rule=link.kind,
                    identifier_value=link.value,
                    actor=actor,
                    actor_label=actor_label,
                    reason=f"{clean.channel} 账号 {external_id} 同时关联到这两位会员",
                )
            )
        queued = [_queue_guard(survivor.pk, m, kind, link) for m, kind, link in refused]
        member = Member.objects.get(pk=survivor.pk)
        created = False
    else:
        member = Member.objects.create(code=allocate_member_codes(1)[0])
        created = True

    source_profile = _upsert_profile(clean, external_id, member, store_id)
    skipped = _attach_identities(member, source_profile, identifiers, existing, rules, clean)
    recompute_profile(member)
    return Resolution(
        member=member, source_profile=source_profile, created=created, merges=merges, queued=queued,
        skipped_identifiers=skipped, notes=result_notes,
    )


def _attach_identities(member, profile, identifiers, existing, rules, clean: CleanRecord) -> list[tuple[str, str]]:
    """Create the new identifiers on the person; refuse those past the per-kind limit."""
    held = identity_counts([member.pk])[member.pk]
    skipped = []
    to_create = []
    for kind, value in identifiers:
        if (kind, value) in existing:
            continue
        if over_limit(rules, kind, held[kind] + 1):
            skipped.append((kind, value))
            continue
        held[kind] += 1
        to_create.append(
            Identity(
                member=member, kind=kind, value=value, channel=clean.channel, source_profile=profile,
                first_seen=clean.seen_at, last_seen=clean.seen_at,
            )
        )
    Identity.objects.bulk_create(to_create)
    # Held before (or moved here by a merge just now): refresh when last seen.
    Identity.objects.filter(pk__in=[i.pk for i in existing.values()], member=member).update(last_seen=clean.seen_at)
    return skipped
