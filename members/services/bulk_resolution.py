"""Identity resolution for many records at once (imports): the rules of `resolve_record`, set-based.

Nearly every buyer in an export is either new or already known under exactly one person.
Those are resolved with a handful of queries for the whole batch: look up the accounts and
identifiers, group records that share a linking identifier (union-find), create the new
people, channel accounts and identities with bulk inserts, update the known ones and
recompute their profiles in one pass. A group that ties two or more existing people
together (a merge) or would break a per-kind identifier limit (the mega-merge guard) goes
through `resolve_record` one record at a time, so merges and review-queue entries are
exactly what a single API call would produce.

Runs inside the caller's transaction; takes the same advisory locks as `resolve_record`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Count

from members import cleaning
from members.models import BlockedValue, Identity, Member, SourceProfile, Store

from .attributes import validate_attributes
from .bulk_insert import by_channel, insert_rows, select_in, update_rows
from .clean_cache import CleanCache, clean_cached
from .codes import allocate_member_codes
from .errors import MembersError
from .locks import lock_keys
from .records import CleanRecord, IncomingRecord, raw_values
from .resolution import active_rules, resolve_record
from .survivorship import derive_profile

_IN_CHUNK = 2000  # values per IN (...) list: well under SQLite's variable limit
_PROFILE_VALUES = (
    "name", "gender", "birthday", "mobile", "mobile_masked", "email", "province", "city", "district",
    "address", "registered_at", "attributes",
)
_PROFILE_COMPARE = (*_PROFILE_VALUES, "home_store_id", "raw")
_DERIVED = (*(f for f in _PROFILE_VALUES if f not in ("registered_at", "attributes")), "home_store_id",
            "registered_at", "registered_channel", "attributes")


@dataclass
class BatchResolution:
    """Per input record its person, plus what the batch did."""

    links: list[tuple[int, int] | None]  # (member_id, source_profile_id); None: no usable identifier
    problems: dict[int, str] = field(default_factory=dict)  # input index → why it has no person
    members_created: int = 0
    members_matched: int = 0  # channel accounts resolved to a person we already had
    members_merged: int = 0  # merges performed (by the one-by-one path)
    queued_for_review: int = 0
    touched_member_ids: set[int] = field(default_factory=set)


@dataclass
class _Account:
    """One channel account in the batch: its latest record plus every identifier its records carried."""

    channel: str
    external_id: str
    clean: CleanRecord
    record: IncomingRecord
    identifiers: list[tuple[str, str]]
    indexes: list[int] = field(default_factory=list)
    records: list[tuple[int, IncomingRecord]] = field(default_factory=list)  # every input record, by index
    profile: dict | None = None  # the existing source profile row, if any
    profile_id: int | None = None
    member_id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.channel, self.external_id


def _in_chunks(values: list, size: int = _IN_CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ------------------------------------------------------------------------------ grouping into accounts


def _admin_blocked(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    # Staff block a handful of values in admin: read them all rather than look each one up.
    blocked = set(BlockedValue.objects.values_list("kind", "value"))
    if not blocked:
        return set()
    return {(k, v) for k, v in pairs if (k, v) in blocked or ("", v) in blocked}


def _link_unchanged_accounts(records: list[IncomingRecord], result: BatchResolution) -> set[int]:
    """Records repeating exactly what their channel account already says need no cleaning or matching.

    Re-imports and a buyer's many orders in one export are mostly such records; they are
    linked to the account's person straight away. The account keys are locked first, so a
    concurrent merge cannot move the account between this lookup and the caller's writes.
    """
    keys: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        external_id = cleaning.strip_export_quirks(record.external_id)
        if external_id and record.seen_at is not None:
            keys[(record.channel, external_id)].append(index)
    if not keys:
        return set()
    lock_keys(f"profile:{c}:{e}" for c, e in keys)
    done: set[int] = set()
    newer: dict[int, tuple[int, datetime]] = {}  # profile id → (member id, latest seen_at)
    for channel, ids in by_channel(keys).items():
        for pk, external_id, member_id, seen_epoch, raw in _account_snapshots(channel, ids):
            for index in keys[(channel, external_id)]:
                record = records[index]
                if raw_values(record) != raw:
                    continue
                result.links[index] = (member_id, pk)
                result.members_matched += 1
                done.add(index)
                latest = newer[pk][1].timestamp() if pk in newer else seen_epoch
                if record.seen_at.timestamp() > latest:
                    newer[pk] = (member_id, record.seen_at)
    if newer:
        _touch(newer)
    return done


def _account_snapshots(channel: str, external_ids: list[str]):
    """(pk, external_id, member_id, seen_at as epoch seconds, raw) of existing accounts.

    The hottest read of a re-import: plain tuples straight from the driver, and the time as
    a number, skip the ORM's row dicts and timestamp parsing for every account of the file.
    """
    if connection.vendor != "postgresql":
        rows = select_in(SourceProfile.objects.filter(channel=channel), "external_id", external_ids,
                         ("pk", "external_id", "member_id", "seen_at", "raw"))
        return [(r["pk"], r["external_id"], r["member_id"], r["seen_at"].timestamp(), r["raw"]) for r in rows]
    found = []
    with connection.cursor() as cursor:
        for part in _in_chunks(external_ids, 5000):
            cursor.execute(
                "SELECT id, external_id, member_id, extract(epoch FROM seen_at)::float8, raw "
                "FROM members_sourceprofile WHERE channel = %s AND external_id = ANY(%s)", [channel, part])
            # Django registers jsonb to arrive as text (it decodes JSON fields itself).
            found += [(pk, ext, member, seen, json.loads(raw) if isinstance(raw, str) else raw)
                      for pk, ext, member, seen, raw in cursor.fetchall()]
    return found


def _touch(newer: dict[int, tuple[int, datetime]]) -> None:
    """Same data seen again later: move the account's seen_at and its identifiers' last_seen forward.

    Only the order of same-channel accounts of one person can depend on seen_at
    (survivorship), so only those people are recomputed.
    """
    rows = [(pk, newer[pk][1]) for pk in sorted(newer)]
    update_rows(SourceProfile, ("seen_at",), rows, newer_only="seen_at")
    update_rows(Identity, ("last_seen",), rows, key="source_profile_id", newer_only="last_seen")
    member_ids = sorted({member_id for member_id, _ in newer.values()})
    several = set()
    for part in _in_chunks(member_ids):
        several.update(
            SourceProfile.objects.filter(member_id__in=part).values("member_id", "channel")
            .annotate(n=Count("id")).filter(n__gt=1).values_list("member_id", flat=True)
        )
    recompute_profiles(several)


def _accounts(records: list[IncomingRecord | None], rules, result: BatchResolution,
              cache: CleanCache) -> dict[tuple[str, str], _Account]:
    cleaned: list[tuple[int, IncomingRecord, CleanRecord, list[tuple[str, str]]]] = []
    for index, record in enumerate(records):
        if record is None:
            continue  # linked already
        try:
            clean = clean_cached(record, cache)
            if clean.profile["attributes"]:
                clean.profile["attributes"] = validate_attributes(clean.profile["attributes"], partial=True)
        except (ValueError, MembersError) as error:
            result.problems[index] = str(error)
            continue
        kept = clean.identifiers  # normalize_identifier already dropped the built-in junk values
        cleaned.append((index, record, clean, kept))
    blocked = _admin_blocked({pair for *_, ids in cleaned for pair in ids})

    accounts: dict[tuple[str, str], _Account] = {}
    for index, record, clean, ids in cleaned:
        ids = [pair for pair in ids if pair not in blocked]
        linking = sorted((pair for pair in ids if pair[0] in rules), key=lambda kv: rules[kv[0]].priority)
        external_id = clean.external_id or next((f"{k}:{v}" for k, v in linking or ids), "")
        if not external_id:
            result.problems[index] = "没有可用于识别会员的标识：渠道账号、手机号、邮箱等均为空或无效。"
            continue
        account = accounts.get((clean.channel, external_id))
        if account is None:
            account = accounts[(clean.channel, external_id)] = _Account(
                clean.channel, external_id, clean, record, list(ids)
            )
        else:
            account.identifiers += [pair for pair in ids if pair not in account.identifiers]
            if clean.seen_at >= account.clean.seen_at:  # the latest record speaks for the account
                account.clean, account.record = clean, record
        account.indexes.append(index)
        account.records.append((index, record))
    return accounts


# ------------------------------------------------------------------------------ lookups


def _load_profiles(accounts: dict[tuple[str, str], _Account]) -> None:
    for channel, ids in by_channel(accounts).items():
        rows = select_in(SourceProfile.objects.filter(channel=channel), "external_id", ids,
                         ("pk", "external_id", "member_id", "seen_at", *_PROFILE_COMPARE))
        for row in rows:
            account = accounts[(channel, row["external_id"])]
            account.profile, account.profile_id, account.member_id = row, row["pk"], row["member_id"]


def _load_identities(accounts) -> dict[tuple[str, str], dict]:
    by_kind: dict[str, set[str]] = defaultdict(set)
    for account in accounts.values():
        for kind, value in account.identifiers:
            by_kind[kind].add(value)
    found: dict[tuple[str, str], dict] = {}
    for kind, values in by_kind.items():
        rows = select_in(Identity.objects.filter(kind=kind), "value", sorted(values),
                         ("pk", "kind", "value", "member_id", "last_seen"))
        for row in rows:
            found[(row["kind"], row["value"])] = row
    return found


def _identity_counts(member_ids) -> dict[int, Counter]:
    counts: dict[int, Counter] = defaultdict(Counter)
    for part in _in_chunks(sorted(member_ids)):
        rows = Identity.objects.filter(member_id__in=part).values("member_id", "kind").annotate(n=Count("id"))
        for row in rows:
            counts[row["member_id"]][row["kind"]] = row["n"]
    return counts


# ------------------------------------------------------------------------------ grouping into people


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class _Group:
    """Accounts that resolve to one person: at most one existing member in the simple case."""

    accounts: list[_Account]
    member_ids: set[int]
    new_identities: list[tuple[_Account, str, str]] = field(default_factory=list)


def _groups(accounts, identities, rules) -> list[_Group]:
    uf = _UnionFind()
    for key, account in accounts.items():
        uf.find(("a", key))
        if account.member_id is not None:
            uf.union(("a", key), ("m", account.member_id))
        for pair in account.identifiers:
            if pair[0] not in rules:
                continue
            uf.union(("a", key), ("i", pair))
            known = identities.get(pair)
            if known is not None:
                uf.union(("a", key), ("m", known["member_id"]))
    members: dict = defaultdict(set)
    for node in list(uf.parent):
        if node[0] == "m":
            members[uf.find(node)].add(node[1])
    grouped: dict = defaultdict(list)
    for key, account in accounts.items():
        grouped[uf.find(("a", key))].append(account)
    return [_Group(group_accounts, members.get(root, set())) for root, group_accounts in grouped.items()]


def _claim_new_identities(groups: list[_Group], identities) -> None:
    """Identifiers nobody holds yet go to the first group carrying them (a non-linking kind,
    e.g. an OpenID when its rule is off, may appear in two groups; it is unique all the same)."""
    claimed: set[tuple[str, str]] = set()
    for group in groups:
        for account in group.accounts:
            for kind, value in account.identifiers:
                if (kind, value) not in identities and (kind, value) not in claimed:
                    claimed.add((kind, value))
                    group.new_identities.append((account, kind, value))


def _within_limits(group: _Group, rules, held: dict[int, Counter]) -> bool:
    total = Counter(held.get(next(iter(group.member_ids)), Counter())) if group.member_ids else Counter()
    total.update(kind for _, kind, _ in group.new_identities)
    return all(n <= rules[kind].max_per_member for kind, n in total.items() if kind in rules)


# ------------------------------------------------------------------------------ writes


def _store_ids(accounts) -> dict[str, int]:
    codes = sorted({a.clean.store_code for a in accounts if a.clean.store_code})
    return dict(Store.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}


def _profile_values(account: _Account, stores: dict[str, int]) -> dict:
    clean = account.clean
    return {**clean.profile, "home_store_id": stores.get(clean.store_code), "seen_at": clean.seen_at,
            "raw": clean.raw}


def _apply_derived(member: Member, profiles: list[SourceProfile]) -> list[str]:
    derived = derive_profile(profiles)
    changed = [f for f in _DERIVED if getattr(member, f) != derived[f]]
    for name in changed:
        setattr(member, name, derived[name])
    return changed


def _create_people(groups: list[_Group], stores) -> list[int]:
    """New people: one member per group, its channel accounts and identities, three bulk inserts.

    Plain dicts and namespaces rather than model instances: building a Django model costs
    more than inserting its row, and a large import creates hundreds of thousands.
    """
    codes = allocate_member_codes(len(groups))
    member_rows, profile_rows = [], []
    for code, group in zip(codes, groups, strict=True):
        values = [_profile_values(a, stores) for a in group.accounts]
        derived = derive_profile([
            SimpleNamespace(pk=None, channel=a.channel, **v) for a, v in zip(group.accounts, values, strict=True)
        ])
        member_rows.append({"code": code, **derived})
        profile_rows.append(values)
    member_ids = insert_rows(Member, member_rows)
    flat = []
    for member_id, group, values in zip(member_ids, groups, profile_rows, strict=True):
        for account, row in zip(group.accounts, values, strict=True):
            account.member_id = member_id
            flat.append((account, {"channel": account.channel, "external_id": account.external_id,
                                   "member_id": member_id, **row}))
    for (account, _), profile_id in zip(flat, insert_rows(SourceProfile, [row for _, row in flat]), strict=True):
        account.profile_id = profile_id
    insert_rows(Identity, [
        _identity_row(account, kind, value, account.member_id)
        for group in groups for account, kind, value in group.new_identities
    ])
    return member_ids


def _identity_row(account: _Account, kind: str, value: str, member_id: int) -> dict:
    return {"member_id": member_id, "kind": kind, "value": value, "channel": account.channel,
            "source_profile_id": account.profile_id, "first_seen": account.clean.seen_at,
            "last_seen": account.clean.seen_at}


def _profile_changed(account: _Account, values: dict) -> bool:
    stored = account.profile
    if account.clean.seen_at < stored["seen_at"]:
        return False  # an older export never overwrites what the channel said later
    return stored["seen_at"] != values["seen_at"] or any(stored[f] != values[f] for f in _PROFILE_COMPARE)


def _update_known(groups: list[_Group], stores, identities) -> set[int]:
    """Known people: upsert their channel accounts, add identities, refresh last_seen; returns changed ids."""
    to_create, to_update, new_ids, seen_updates = [], [], [], {}
    changed_members: set[int] = set()
    for group in groups:
        member_id = next(iter(group.member_ids))
        for account in group.accounts:
            values = _profile_values(account, stores)
            if account.profile is None:
                to_create.append((account, {"channel": account.channel, "external_id": account.external_id,
                                            "member_id": member_id, **values}))
                changed_members.add(member_id)
            elif _profile_changed(account, values):
                to_update.append(SourceProfile(pk=account.profile_id, member_id=member_id, **values))
                changed_members.add(member_id)
            account.member_id = member_id  # a group with one person: every known account is already theirs
            for kind, value in account.identifiers:
                known = identities.get((kind, value))
                if known and known["member_id"] == member_id and known["last_seen"] < account.clean.seen_at:
                    seen_updates[known["pk"]] = max(seen_updates.get(known["pk"], known["last_seen"]),
                                                    account.clean.seen_at)
        for account, kind, value in group.new_identities:
            new_ids.append((account, kind, value, member_id))
            changed_members.add(member_id)
    for (account, _), profile_id in zip(to_create, insert_rows(SourceProfile, [p for _, p in to_create]),
                                        strict=True):
        account.profile_id = profile_id
    if to_update:
        SourceProfile.objects.bulk_update(to_update, ["member_id", "seen_at", *_PROFILE_COMPARE], batch_size=500)
    insert_rows(Identity, [_identity_row(account, kind, value, member_id)
                           for account, kind, value, member_id in new_ids])
    if seen_updates:
        Identity.objects.bulk_update(
            [Identity(pk=pk, last_seen=seen) for pk, seen in seen_updates.items()], ["last_seen"], batch_size=1000
        )
    return changed_members


def recompute_profiles(member_ids: set[int]) -> None:
    """Survivorship for many people: one query for their accounts, one bulk update."""
    if not member_ids:
        return
    profiles: dict[int, list[SourceProfile]] = defaultdict(list)
    members: list[Member] = []
    for part in _in_chunks(sorted(member_ids)):
        for profile in SourceProfile.objects.filter(member_id__in=part):
            profiles[profile.member_id].append(profile)
        members += list(Member.objects.filter(pk__in=part))
    changed_members, fields = [], set()
    for member in members:
        if profiles.get(member.pk):
            changed = _apply_derived(member, profiles[member.pk])
            if changed:
                changed_members.append(member)
                fields.update(changed)
    if changed_members:
        Member.objects.bulk_update(changed_members, sorted(fields), batch_size=500)


# ------------------------------------------------------------------------------ entry point


@transaction.atomic
def resolve_records(records: list[IncomingRecord], *, actor=None, actor_label: str = "import",
                    cleaned: CleanCache | None = None) -> BatchResolution:
    """Resolve every record to a person; see the module docstring for the two paths.

    `cleaned`: clean records kept across calls (an import's chunks), see CleanCache.
    """
    result = BatchResolution(links=[None] * len(records))
    rules = active_rules()
    unchanged = _link_unchanged_accounts(records, result)
    accounts = _accounts([None if i in unchanged else r for i, r in enumerate(records)], rules, result,
                         cleaned or CleanCache())
    if not accounts:
        return result
    lock_keys([
        *(f"profile:{c}:{e}" for c, e in accounts),
        *(f"id:{k}:{v}" for account in accounts.values() for k, v in account.identifiers),
    ])
    _load_profiles(accounts)
    identities = _load_identities(accounts)
    groups = _groups(accounts, identities, rules)
    _claim_new_identities(groups, identities)
    held = _identity_counts({m for g in groups for m in g.member_ids if len(g.member_ids) == 1})

    new, known, one_by_one = [], [], []
    for group in groups:
        if len(group.member_ids) > 1 or not _within_limits(group, rules, held):
            one_by_one.append(group)
        elif group.member_ids:
            known.append(group)
        else:
            new.append(group)

    stores = _store_ids(accounts.values())
    if new:
        created = _create_people(new, stores)
        result.members_created += len(created)
        result.touched_member_ids.update(created)
    if known:
        changed = _update_known(known, stores, identities)
        recompute_profiles(changed)
        result.touched_member_ids.update(changed)
        result.members_matched += sum(len(a.indexes) for g in known for a in g.accounts)
    for group in one_by_one:
        _resolve_one_by_one(group, actor, actor_label, result)

    for account in accounts.values():
        member_id = account.member_id
        for index in account.indexes:
            result.links[index] = (member_id, account.profile_id)
    return result


def _resolve_one_by_one(group: _Group, actor, actor_label: str, result: BatchResolution) -> None:
    """Each record of the group in input order through resolve_record: merges and the guard as one by one."""
    account_of = {}
    for account in group.accounts:
        for index, record in account.records:
            account_of[index] = (account, record)
    created = set()
    for index in sorted(account_of):
        account, record = account_of[index]
        resolution = resolve_record(record, actor=actor, actor_label=actor_label)
        account.profile_id = resolution.source_profile.pk
        if resolution.created:
            created.add(resolution.member.pk)
        result.members_merged += len(resolution.merges)
        result.queued_for_review += len(resolution.queued)
    # Where each account ended up after all merges of the group.
    final = dict(SourceProfile.objects.filter(pk__in=[a.profile_id for a in group.accounts])
                 .values_list("pk", "member_id"))
    for account in group.accounts:
        account.member_id = final[account.profile_id]
        result.touched_member_ids.add(account.member_id)
    result.members_created += len(created)
    result.members_matched += sum(1 for a in group.accounts if a.member_id not in created)
