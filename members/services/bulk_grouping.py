"""Grouping a batch's channel accounts into people (bulk resolution, `bulk_resolution`).

Accounts that share a linking identifier, or already belong to one person, form one group
(union-find over accounts, identifiers and members). A group holding one existing member or none
is resolved in bulk; the rest (merges, the identifier limits) go one record at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .identity_limits import exceeded_kind
from .records import CleanRecord, IncomingRecord


@dataclass
class BatchAccount:
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
class Group:
    """Accounts that resolve to one person: at most one existing member in the simple case."""

    accounts: list[BatchAccount]
    member_ids: set[int]
    new_identities: list[tuple[BatchAccount, str, str]] = field(default_factory=list)


def group_accounts(accounts, identities, rules) -> list[Group]:
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
    return [Group(group_accounts, members.get(root, set())) for root, group_accounts in grouped.items()]


def claim_new_identities(groups: list[Group], identities) -> None:
    """Identifiers nobody holds yet go to the first group carrying them (a non-linking kind,
    e.g. an OpenID when its rule is off, may appear in two groups; it is unique all the same)."""
    claimed: set[tuple[str, str]] = set()
    for group in groups:
        for account in group.accounts:
            for kind, value in account.identifiers:
                if (kind, value) not in identities and (kind, value) not in claimed:
                    claimed.add((kind, value))
                    group.new_identities.append((account, kind, value))


def within_limits(group: Group, rules, held: dict[int, Counter]) -> bool:
    total = Counter(held.get(next(iter(group.member_ids)), Counter())) if group.member_ids else Counter()
    total.update(kind for _, kind, _ in group.new_identities)
    return not exceeded_kind(total, rules)
