"""Every write of levels: initial levels, real-time upgrades, manual levels, merge and unmerge.

Rows of `MemberLevel` are locked (in id order) before they change, under the scheme's shared lock
(`scheme_lock`), so an upgrade from an import and the daily review never overwrite each other.
Every change leaves a `LevelChange`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from core.bulk_insert import filter_in, update_rows
from loyalty.calendar import local_date
from loyalty.errors import LoyaltyError
from loyalty.hooks import levels_changed
from loyalty.models import (
    POINTS_METRICS,
    Level,
    LevelChange,
    LevelChangeKind,
    LevelScheme,
    MemberLevel,
    MemberRole,
    RoleStatus,
)
from members.models import MergeRecord

from .ladder import Rung, reached
from .metrics import metric_values
from .review_dates import next_review_on
from .scheme_lock import hold_scheme


def rungs_of(scheme: LevelScheme) -> list[Rung]:
    levels = list(Level.objects.filter(scheme=scheme).order_by("rank").values_list(
        "pk", "rank", "upgrade_threshold", "retain_threshold"))
    if not levels:
        raise LoyaltyError(f"等级组「{scheme}」还没有任何等级。")
    return [Rung(*row) for row in levels]


def active_schemes(role_type_ids: Iterable[int] | None = None) -> list[LevelScheme]:
    schemes = LevelScheme.objects.filter(active=True, role_type__active=True).select_related("role_type")
    if role_type_ids is not None:
        schemes = schemes.filter(role_type_id__in=list(role_type_ids))
    return [s for s in schemes if Level.objects.filter(scheme=s).exists()]


def _lock_levels(scheme: LevelScheme, role_ids: list[int]) -> dict[int, MemberLevel]:
    hold_scheme(scheme.pk)
    rows = (MemberLevel.objects.select_for_update().filter(scheme=scheme, member_role_id__in=role_ids)
            .order_by("pk"))
    return {row.member_role_id: row for row in rows}


def ensure_levels(scheme: LevelScheme, roles: list[tuple[int, int]], now: datetime) -> None:
    """Give each (role id, member id) without a level in the scheme the base level."""
    have = set(MemberLevel.objects.filter(scheme=scheme, member_role_id__in=[r for r, _ in roles])
               .values_list("member_role_id", flat=True))
    missing = [(role_id, member_id) for role_id, member_id in roles if role_id not in have]
    if not missing:
        return
    base = rungs_of(scheme)[0]
    today = local_date(now)
    review = next_review_on(scheme, after=today, reached_on=today)
    MemberLevel.objects.bulk_create(
        [MemberLevel(member_id=m, member_role_id=r, scheme=scheme, level_id=base.pk, reached_at=now,
                     next_review_on=review) for r, m in missing],
        batch_size=2000, ignore_conflicts=True,  # a concurrent call may have created some meanwhile
    )
    rows = list(MemberLevel.objects.filter(scheme=scheme, member_role_id__in=[r for r, _ in missing])
                .exclude(changes__kind=LevelChangeKind.INITIAL).values_list("pk", "member_id", "level_id"))
    LevelChange.objects.bulk_create(
        [LevelChange(member_id=member_id, member_level_id=pk, scheme=scheme, kind=LevelChangeKind.INITIAL,
                     to_level_id=level_id, rule="入会定级：入门等级") for pk, member_id, level_id in rows],
        batch_size=2000,
    )
    levels_changed.send_on_commit(member_level_ids=[pk for pk, _, _ in rows])


@transaction.atomic
@levels_changed.batch()
def evaluate_upgrades(*, member_ids: Iterable[int], now: datetime | None = None,
                      actor_label: str = "system") -> int:
    """Raise the level of these members in every scheme where their metric now reaches higher.

    Called after orders and earns change (in bulk for an import chunk). Never lowers a level:
    downgrades happen only at review. Returns how many levels went up.
    """
    now = now or timezone.now()
    member_ids = sorted(set(member_ids))
    if not member_ids:
        return 0
    raised = 0
    for scheme in active_schemes():
        roles = list(filter_in(MemberRole.objects.filter(role_type_id=scheme.role_type_id, status=RoleStatus.ACTIVE),
                               "member", member_ids).order_by("pk").values_list("pk", "member_id"))
        if not roles:
            continue
        ensure_levels(scheme, roles, now)
        raised += _upgrade(scheme, [r for r, _ in roles], now, actor_label)
    return raised


# Account types some active scheme ranks by, kept in memory: the earn hot path (one round trip on
# PostgreSQL) must not pay a query to learn that nothing ranks by its points. Saving a scheme
# clears it in this process (signals in LoyaltyConfig.ready); other processes reload within a minute.
_ranking_types: dict = {"loaded_at": None, "ids": frozenset()}
RANKING_TYPES_SECONDS = 60


def ranking_account_types() -> frozenset[int]:
    loaded_at = _ranking_types["loaded_at"]
    if loaded_at is None or time.monotonic() - loaded_at > RANKING_TYPES_SECONDS:
        ids = LevelScheme.objects.filter(active=True, metric__in=POINTS_METRICS).values_list(
            "account_type_id", flat=True)
        _ranking_types.update(ids=frozenset(ids), loaded_at=time.monotonic())
    return _ranking_types["ids"]


def forget_ranking_account_types(**kwargs) -> None:
    _ranking_types["loaded_at"] = None


def upgrade_after_points(*, account, now: datetime | None = None) -> int:
    """Real-time upgrade after points were credited outside an order (API, staff): only when a
    scheme ranks by this account type."""
    if account.account_type_id not in ranking_account_types():
        return 0
    return evaluate_upgrades(member_ids=[account.member_id], now=now, actor_label="points")


def _upgrade(scheme: LevelScheme, role_ids: list[int], now: datetime, actor_label: str) -> int:
    rungs = rungs_of(scheme)
    by_pk = {r.pk: r for r in rungs}
    locked = _lock_levels(scheme, role_ids)
    metrics = metric_values(scheme, sorted(locked), now)
    today = local_date(now)
    updates, changes = [], []
    for role_id, row in locked.items():
        current = by_pk[row.level_id]
        target = reached(rungs, metrics[role_id])
        if target.rank <= current.rank:
            continue
        review = next_review_on(scheme, after=today, reached_on=today)
        updates.append((row.pk, target.pk, now, review))
        changes.append(LevelChange(
            member_id=row.member_id, member_level_id=row.pk, scheme=scheme, kind=LevelChangeKind.UPGRADE,
            from_level_id=current.pk, to_level_id=target.pk, metric_value=metrics[role_id],
            rule=f"指标 {metrics[role_id]} ≥ 升级门槛 {target.upgrade}", actor_label=actor_label,
        ))
    update_rows(MemberLevel, ("level_id", "reached_at", "next_review_on"), updates)
    LevelChange.objects.bulk_create(changes, batch_size=2000)
    levels_changed.send_on_commit(member_level_ids=[pk for pk, *_ in updates])
    return len(updates)


def member_level_for(*, member_role: MemberRole, scheme: LevelScheme, now: datetime | None = None) -> MemberLevel:
    if member_role.role_type_id != scheme.role_type_id:
        raise LoyaltyError(f"等级组「{scheme}」属于角色「{scheme.role_type}」，与该会员角色不符。")
    ensure_levels(scheme, [(member_role.pk, member_role.member_id)], now or timezone.now())
    return MemberLevel.objects.get(member_role=member_role, scheme=scheme)


@transaction.atomic
def set_manual_level(*, member_level: MemberLevel, level: Level, reason: str, until: date | None = None,
                     actor=None, now: datetime | None = None) -> MemberLevel:
    """An admin sets the level; it is a floor until `until` (inclusive): rules may raise, not lower it."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise LoyaltyError("手工设定等级必须填写原因。")
    if level.scheme_id != member_level.scheme_id:
        raise LoyaltyError(f"等级「{level}」不属于等级组「{member_level.scheme}」。")
    if until is not None and until < local_date(now):
        raise LoyaltyError("保底截止日不能早于今天。")
    hold_scheme(member_level.scheme_id)
    row = MemberLevel.objects.select_for_update().get(pk=member_level.pk)
    previous = row.level_id
    row.level, row.floor_level, row.floor_until, row.floor_reason = level, level, until, reason[:255]
    if previous != level.pk:
        row.reached_at = now
        today = local_date(now)
        row.next_review_on = next_review_on(row.scheme, after=today, reached_on=today)
    row.save()
    LevelChange.objects.create(
        member_id=row.member_id, member_level=row, scheme_id=row.scheme_id, kind=LevelChangeKind.MANUAL,
        from_level_id=previous, to_level=level, actor=actor,
        actor_label=actor.get_username() if actor else "system",
        rule=f"手工设定：{reason}" + (f"（保底至 {until:%Y-%m-%d}）" if until else "（长期保底）"),
    )
    levels_changed.send_on_commit(member_level_ids=[row.pk])
    return row


# ----------------------------------------------------------------------------- merge / unmerge


@levels_changed.batch()
def merge_levels(*, record: MergeRecord, now: datetime | None = None) -> int:
    """The survivor keeps the higher level (and the higher floor) of each scheme; returns changes made.

    Runs after the points merge, which has already given the survivor every role the absorbed held.
    """
    now = now or timezone.now()
    changed = 0
    absorbed_levels = list(MemberLevel.objects.filter(member_id=record.absorbed_id).select_related(
        "level", "floor_level", "member_role"))
    for theirs in absorbed_levels:
        scheme = theirs.scheme
        role = MemberRole.objects.filter(member_id=record.survivor_id,
                                         role_type_id=theirs.member_role.role_type_id).first()
        if role is None:
            continue
        ours = member_level_for(member_role=role, scheme=scheme, now=now)
        hold_scheme(scheme.pk)
        ours = MemberLevel.objects.select_for_update(of=("self",)).select_related("level", "floor_level").get(pk=ours.pk)
        before = ours.level
        fields = []
        if theirs.level.rank > ours.level.rank:
            ours.level, ours.reached_at, ours.next_review_on = theirs.level, theirs.reached_at, theirs.next_review_on
            fields += ["level", "reached_at", "next_review_on"]
        if theirs.floor_level and (ours.floor_level is None or theirs.floor_level.rank > ours.floor_level.rank):
            ours.floor_level, ours.floor_until, ours.floor_reason = (
                theirs.floor_level, theirs.floor_until, theirs.floor_reason)
            fields += ["floor_level", "floor_until", "floor_reason"]
        if not fields:
            continue
        ours.save(update_fields=[*fields, "updated_at"])
        LevelChange.objects.create(
            member_id=record.survivor_id, member_level=ours, scheme=scheme, kind=LevelChangeKind.MERGE,
            from_level=before, to_level=ours.level, merge_record=record, actor_label="merge",
            rule=f"合并会员 {theirs.member_id}：保留较高等级「{ours.level.name}」",
        )
        levels_changed.send_on_commit(member_level_ids=[ours.pk])
        changed += 1
    return changed


@levels_changed.batch()
def unmerge_levels(*, record: MergeRecord, now: datetime | None = None) -> int:
    """Each person gets their own level back: the survivor returns to the level it had before the
    merge (then rises again if its own metric reaches higher); the absorbed person's level row was
    never touched and comes back with its role."""
    now = now or timezone.now()
    restored = 0
    changes = LevelChange.objects.filter(merge_record=record, kind=LevelChangeKind.MERGE,
                                         member_id=record.survivor_id).select_related("member_level")
    for change in changes:
        hold_scheme(change.member_level.scheme_id)
        row = MemberLevel.objects.select_for_update().get(pk=change.member_level_id)
        before = row.level_id
        row.level_id = change.from_level_id
        absorbed = MemberLevel.objects.filter(member_id=record.absorbed_id, scheme_id=row.scheme_id).first()
        copied_floor = absorbed and absorbed.floor_level_id and (row.floor_level_id, row.floor_until) == (
            absorbed.floor_level_id, absorbed.floor_until)
        if copied_floor:  # the floor came with the absorbed person: it leaves with them
            row.floor_level, row.floor_until, row.floor_reason = None, None, ""
        today = local_date(now)
        row.next_review_on = next_review_on(row.scheme, after=today, reached_on=local_date(row.reached_at))
        row.save()
        LevelChange.objects.create(
            member_id=record.survivor_id, member_level=row, scheme_id=row.scheme_id, kind=LevelChangeKind.UNMERGE,
            from_level_id=before, to_level_id=row.level_id, merge_record=record, actor_label="unmerge",
            rule="撤销合并：恢复合并前的等级",
        )
        levels_changed.send_on_commit(member_level_ids=[row.pk])
        restored += 1
    evaluate_upgrades(member_ids=[record.survivor_id, record.absorbed_id], now=now, actor_label="unmerge")
    return restored
