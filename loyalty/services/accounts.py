"""Roles and accounts, opened on demand."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.calendar import SHANGHAI
from loyalty.errors import LoyaltyError
from loyalty.models import MemberRole, PointsAccount, PointsAccountType, RoleStatus, RoleType
from members.models import Member, MemberStatus


def today() -> date:
    return timezone.localdate(timezone=SHANGHAI)


def buyer_role_type() -> RoleType:
    role = RoleType.objects.filter(is_buyer_role=True, active=True).order_by("pk").first()
    if role is None:
        raise LoyaltyError("没有启用的购买者角色（角色类型中勾选「购买者角色」）。")
    return role


@transaction.atomic
def open_role(*, member: Member, role_type: RoleType, started_on: date | None = None) -> MemberRole:
    """The member's role of this type, created (or re-activated when it had ended) if needed."""
    if member.status != MemberStatus.ACTIVE:
        raise LoyaltyError(f"会员 {member.code} 状态为「{member.get_status_display()}」，不能开通角色。")
    if not role_type.active:
        raise LoyaltyError(f"角色类型「{role_type}」已停用。")
    role, created = MemberRole.objects.get_or_create(
        member=member, role_type=role_type, defaults={"started_on": started_on or today()}
    )
    if not created and role.status != RoleStatus.ACTIVE:
        role.status, role.ended_on = RoleStatus.ACTIVE, None
        role.save(update_fields=["status", "ended_on", "updated_at"])
    return role


@transaction.atomic
def end_role(*, role: MemberRole, ended_on: date | None = None) -> MemberRole:
    """End a role; its accounts and balances stay (a re-opened role finds them again)."""
    if role.status == RoleStatus.MERGED:
        raise LoyaltyError("已随会员合并的角色不能手工结束，请撤销合并。")
    role.status, role.ended_on = RoleStatus.ENDED, ended_on or today()
    role.save(update_fields=["status", "ended_on", "updated_at"])
    return role


def _check_applicable(role_type: RoleType, account_type: PointsAccountType) -> None:
    if not account_type.role_types.filter(pk=role_type.pk).exists():
        raise LoyaltyError(f"积分类型「{account_type}」不适用于角色「{role_type}」。")


@transaction.atomic
def open_account(
    *, member: Member, role_type: RoleType, account_type: PointsAccountType, started_on: date | None = None
) -> PointsAccount:
    """The member-role's account of this type, opening the role and the account if needed."""
    _check_applicable(role_type, account_type)
    if not account_type.active:
        raise LoyaltyError(f"积分类型「{account_type}」已停用。")
    role = open_role(member=member, role_type=role_type, started_on=started_on)
    return account_for_role(role, account_type)


def account_for_role(role: MemberRole, account_type: PointsAccountType) -> PointsAccount:
    try:
        with transaction.atomic():
            account, _ = PointsAccount.objects.get_or_create(
                member_role=role, account_type=account_type, defaults={"member_id": role.member_id}
            )
    except IntegrityError:  # opened concurrently
        account = PointsAccount.objects.get(member_role=role, account_type=account_type)
    return account


def accounts_for(keys: set[tuple[int, int, int]], *, started_on: dict[int, date] | None = None
                 ) -> dict[tuple[int, int, int], int]:
    """Bulk open: {(member_id, role_type_id, account_type_id): account_id}, creating what is missing.

    Set-based for imports: one INSERT … ON CONFLICT DO NOTHING per table, then one read.
    """
    if not keys:
        return {}
    started_on = started_on or {}
    default_day = today()
    members = {member_id for member_id, _, _ in keys}
    role_keys = {(member_id, role_type_id) for member_id, role_type_id, _ in keys}
    MemberRole.objects.bulk_create(
        [MemberRole(member_id=m, role_type_id=r, started_on=started_on.get(m, default_day)) for m, r in sorted(role_keys)],
        ignore_conflicts=True,
    )
    roles = {
        (row["member_id"], row["role_type_id"]): (row["pk"], row["status"])
        for row in MemberRole.objects.filter(member_id__in=members).values("pk", "member_id", "role_type_id", "status")
    }
    reopen = [roles[key][0] for key in role_keys if roles[key][1] == RoleStatus.ENDED]
    if reopen:
        MemberRole.objects.filter(pk__in=reopen).update(status=RoleStatus.ACTIVE, ended_on=None, updated_at=timezone.now())
    PointsAccount.objects.bulk_create(
        [PointsAccount(member_id=m, member_role_id=roles[(m, r)][0], account_type_id=t) for m, r, t in sorted(keys)],
        ignore_conflicts=True,
    )
    role_of = {pk: key for key, (pk, _) in roles.items()}
    out = {}
    for pk, role_id, type_id in PointsAccount.objects.filter(member_id__in=members).values_list(
        "pk", "member_role_id", "account_type_id"
    ):
        member_id, role_type_id = role_of[role_id]
        key = (member_id, role_type_id, type_id)
        if key in keys:
            out[key] = pk
    return out
