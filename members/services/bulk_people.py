"""The writes of bulk resolution: new people, their channel accounts and identities, updates of
known people and their derived profiles — bulk inserts and updates, no model instance per row
where a plain dict will do.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from core.bulk_insert import in_chunks, insert_rows
from members.models import Identity, Member, SourceProfile, Store

from .bulk_grouping import BatchAccount, Group
from .codes import allocate_member_codes
from .survivorship import derive_profile

_PROFILE_VALUES = (
    "name", "gender", "birthday", "mobile", "mobile_masked", "email", "province", "city", "district",
    "address", "registered_at", "attributes",
)
PROFILE_COMPARE = (*_PROFILE_VALUES, "home_store_id", "raw")
_DERIVED = (*(f for f in _PROFILE_VALUES if f not in ("registered_at", "attributes")), "home_store_id",
            "registered_at", "registered_channel", "attributes")


def store_ids(accounts) -> dict[str, int]:
    codes = sorted({a.clean.store_code for a in accounts if a.clean.store_code})
    return dict(Store.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}


def _profile_values(account: BatchAccount, stores: dict[str, int]) -> dict:
    clean = account.clean
    return {**clean.profile, "home_store_id": stores.get(clean.store_code), "seen_at": clean.seen_at,
            "raw": clean.raw}


def _apply_derived(member: Member, profiles: list[SourceProfile]) -> list[str]:
    derived = derive_profile(profiles)
    changed = [f for f in _DERIVED if getattr(member, f) != derived[f]]
    for name in changed:
        setattr(member, name, derived[name])
    return changed


def create_people(groups: list[Group], stores) -> list[int]:
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


def _identity_row(account: BatchAccount, kind: str, value: str, member_id: int) -> dict:
    return {"member_id": member_id, "kind": kind, "value": value, "channel": account.channel,
            "source_profile_id": account.profile_id, "first_seen": account.clean.seen_at,
            "last_seen": account.clean.seen_at}


def _profile_changed(account: BatchAccount, values: dict) -> bool:
    stored = account.profile
    if account.clean.seen_at < stored["seen_at"]:
        return False  # an older export never overwrites what the channel said later
    return stored["seen_at"] != values["seen_at"] or any(stored[f] != values[f] for f in PROFILE_COMPARE)


def update_known(groups: list[Group], stores, identities) -> set[int]:
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
        # bulk_update casts each value to its column type, and PostgreSQL's cast to varchar(n) cuts
        # without an error: the values must fit already (clean_record refuses any that do not).
        SourceProfile.objects.bulk_update(to_update, ["member_id", "seen_at", *PROFILE_COMPARE], batch_size=500)
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
    for part in in_chunks(sorted(member_ids)):
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
