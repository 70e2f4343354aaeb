"""Identity resolution for many records at once (imports): the rules of `resolve_record`, set-based.

Nearly every buyer in an export is either new or already known under exactly one person.
Those are resolved with a handful of queries for the whole batch: look up the accounts and
identifiers, group records that share a linking identifier (union-find), create the new
people, channel accounts and identities with bulk inserts, update the known ones and
recompute their profiles in one pass. A group that ties two or more existing people
together (a merge) or would break a per-kind identifier limit (the mega-merge guard) goes
through `resolve_record` one record at a time, so merges and review-queue entries are
exactly what a single API call would produce.

Grouping lives in `bulk_grouping`, the writes in `bulk_people`. Runs inside the caller's
transaction; takes the same advisory locks as `resolve_record`.

Twin of `resolve_record`; agreement: tests/members/test_bulk_resolution.py::
test_bulk_resolution_partitions_accounts_exactly_like_one_by_one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count

from core.bulk_insert import array_param, by_channel, in_chunks, select_in, update_rows
from core.locks import lock_keys
from members import cleaning
from members.models import BlockedValue, Identity, SourceProfile

from .attributes import validate_attributes
from .bulk_grouping import BatchAccount, Group, claim_new_identities, group_accounts, within_limits
from .bulk_people import PROFILE_COMPARE, create_people, recompute_profiles, store_ids, update_known
from .clean_cache import CleanCache, clean_cached
from .errors import MembersError
from .identity_limits import identity_counts
from .records import CleanRecord, IncomingRecord, raw_values
from .resolution import active_rules, resolve_record


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
    found = []
    with connection.cursor() as cursor:
        for part in in_chunks(external_ids, 5000):
            cursor.execute(
                "SELECT id, external_id, member_id, extract(epoch FROM seen_at)::float8, raw "
                "FROM members_sourceprofile WHERE channel = %s AND external_id = ANY(%s)",
                [channel, array_param(part)])
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
    for part in in_chunks(member_ids):
        several.update(
            SourceProfile.objects.filter(member_id__in=part).values("member_id", "channel")
            .annotate(n=Count("id")).filter(n__gt=1).values_list("member_id", flat=True)
        )
    recompute_profiles(several)


def _accounts(records: list[IncomingRecord | None], rules, result: BatchResolution,
              cache: CleanCache) -> dict[tuple[str, str], BatchAccount]:
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

    accounts: dict[tuple[str, str], BatchAccount] = {}
    for index, record, clean, ids in cleaned:
        ids = [pair for pair in ids if pair not in blocked]
        linking = sorted((pair for pair in ids if pair[0] in rules), key=lambda kv: rules[kv[0]].priority)
        external_id = clean.external_id or next((f"{k}:{v}" for k, v in linking or ids), "")
        if not external_id:
            result.problems[index] = "没有可用于识别会员的标识：渠道账号、手机号、邮箱等均为空或无效。"
            continue
        account = accounts.get((clean.channel, external_id))
        if account is None:
            account = accounts[(clean.channel, external_id)] = BatchAccount(
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


def _load_profiles(accounts: dict[tuple[str, str], BatchAccount]) -> None:
    for channel, ids in by_channel(accounts).items():
        rows = select_in(SourceProfile.objects.filter(channel=channel), "external_id", ids,
                         ("pk", "external_id", "member_id", "seen_at", *PROFILE_COMPARE))
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
    groups = group_accounts(accounts, identities, rules)
    claim_new_identities(groups, identities)
    held = identity_counts({m for g in groups for m in g.member_ids if len(g.member_ids) == 1})

    new, known, one_by_one = [], [], []
    for group in groups:
        if len(group.member_ids) > 1 or not within_limits(group, rules, held):
            one_by_one.append(group)
        elif group.member_ids:
            known.append(group)
        else:
            new.append(group)

    stores = store_ids(accounts.values())
    if new:
        created = create_people(new, stores)
        result.members_created += len(created)
        result.touched_member_ids.update(created)
    if known:
        changed = update_known(known, stores, identities)
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


def _resolve_one_by_one(group: Group, actor, actor_label: str, result: BatchResolution) -> None:
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
