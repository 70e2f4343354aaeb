"""The loyalty fields of the member condition language, registered from LoyaltyConfig.ready():

- `loyalty.roles` (SET, has / has_not of role type codes): the roles a member holds now — active
  ones; an ended role is not held.
- `loyalty.level.<scheme code>` (NUMBER, eq / gte, is_empty / is_not_empty): the rank of the
  member's current level in that scheme (0 = entry level); no level in the scheme is empty.
- `loyalty.points_available.<type code>`, `loyalty.points_pending.<type code>`,
  `loyalty.points_lifetime.<type code>` (NUMBER): the balance over the member's active accounts of
  that type (one per role); no account is 0.
- `loyalty.points_expiring.<type code>.<days>` (NUMBER): points still open in lots of that type that
  expire by the end of the business day `days` after the evaluation date (0: by tonight 24:00,
  Asia/Shanghai); points that expired before today count as expired even if the nightly job has not
  swept them yet. The days are part of the key, so the value compares like any number (`gte 100`); no such points is 0.

Each field answers by the same query for the set (every member's rows, grouped: a PerMember) and
for one member (the rows filtered to them), so the compiled query and explain() cannot drift apart.
Keys come from data (schemes, account types): families.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, Sum

from members.conditions.registry import Field, FieldRegistry, FieldType, PerMember
from members.conditions.windows import SHANGHAI

from .models import (
    AccountStatus,
    LevelScheme,
    MemberLevel,
    MemberRole,
    PointsAccount,
    PointsAccountType,
    PointsLot,
    RoleStatus,
    RoleType,
)

ROLES = "loyalty.roles"
LEVEL_PREFIX = "loyalty.level."
EXPIRING_PREFIX = "loyalty.points_expiring."
BALANCES = {  # key prefix: (account column, label)
    "loyalty.points_available.": ("available", "可用"),
    "loyalty.points_pending.": ("pending", "待发放"),
    "loyalty.points_lifetime.": ("lifetime_earned", "累计获得"),
}
EXPIRING_DAYS_LISTED = (7, 30, 90)  # offered in editors; any number of days resolves
MAX_EXPIRING_DAYS = 3660


def _member_filter(member) -> dict:
    """The rows of the member being compiled (OuterRef) or of one member (explain)."""
    return {"member": OuterRef("pk") if member is None else member}


def _roles_held(member=None):
    return MemberRole.objects.filter(status=RoleStatus.ACTIVE, **_member_filter(member))


def _role_choices():
    return RoleType.objects.order_by("code").values_list("code", "name")


ROLES_FIELD = Field(
    key=ROLES, label="持有角色", type=FieldType.SET, choices=_role_choices,
    has_sql=lambda ctx, code: Q(Exists(_roles_held().filter(role_type__code=code))),
    read=lambda member, ctx: set(_roles_held(member).values_list("role_type__code", flat=True)),
    help="有效中的角色（已结束的角色不算）",
)


# ---- levels ----------------------------------------------------------------------------------------

def _levels(scheme: LevelScheme):
    """At most one row a member: a member holds one role of the scheme's role type, with one level in it."""
    return MemberLevel.objects.filter(scheme=scheme).values("member").annotate(value=F("level__rank"))


def level_field(scheme: LevelScheme) -> Field:
    ladder = "、".join(f"{rank}={name}" for rank, name in scheme.levels.order_by("rank").values_list("rank", "name"))
    return Field(
        key=LEVEL_PREFIX + scheme.code, label=f"{scheme.name}等级", type=FieldType.NUMBER,
        operators=("eq", "gte", "is_empty", "is_not_empty"),
        per_member=lambda ctx: PerMember(_levels(scheme), member="member"),  # no level: empty
        read=lambda member, ctx: next(iter(_levels(scheme).filter(member=member).values_list("value", flat=True)),
                                      None),
        help=f"按级别数字比较：{ladder or '尚无等级'}；没有该等级组的等级为空",
    )


def _resolve_level(code: str) -> Field | None:
    scheme = LevelScheme.objects.filter(code=code).first()
    return level_field(scheme) if scheme else None


def _active_levels() -> list[Field]:
    return [level_field(scheme) for scheme in LevelScheme.objects.filter(active=True)]


# ---- balances --------------------------------------------------------------------------------------

def _sums(rows, member: str, column: str) -> PerMember:
    """Σ column over each member's `rows`, 0 for a member without any (never NULL)."""
    return PerMember(rows.values(member).annotate(value=Sum(column)), member=member, default=0)


def _read_sum(rows, column: str) -> int:
    return rows.aggregate(total=Sum(column))["total"] or 0


def _accounts(account_type: PointsAccountType, member=None):
    whose = {} if member is None else {"member": member}
    return PointsAccount.objects.filter(account_type=account_type, status=AccountStatus.ACTIVE, **whose)


def balance_field(prefix: str, account_type: PointsAccountType) -> Field:
    column, what = BALANCES[prefix]
    return Field(
        key=prefix + account_type.code, label=f"{account_type.name}{what}", type=FieldType.NUMBER,
        per_member=lambda ctx: _sums(_accounts(account_type), "member", column),
        read=lambda member, ctx: _read_sum(_accounts(account_type, member), column),
        help="各角色下该类型账户之和；没有账户为 0",
    )


def _balance_family(prefix: str):
    def resolve(code: str) -> Field | None:
        account_type = PointsAccountType.objects.filter(code=code).first()
        return balance_field(prefix, account_type) if account_type else None

    def list_all() -> list[Field]:
        return [balance_field(prefix, t) for t in PointsAccountType.objects.filter(active=True)]

    return resolve, list_all


# ---- expiring points -------------------------------------------------------------------------------

def _expiring_lots(account_type: PointsAccountType, days: int, ctx, member=None):
    """Open lots of the member's active accounts of the type expiring from today 00:00 up to the end of
    the day `days` after ctx.as_of (expiry is at a day's 24:00, stored as the next day's 00:00)."""
    today = datetime.combine(ctx.as_of, time.min, tzinfo=SHANGHAI)
    accounts = {} if member is None else {"account__member": member}
    return PointsLot.objects.filter(
        account__account_type=account_type, account__status=AccountStatus.ACTIVE, remaining__gt=0,
        expires_at__gt=today, expires_at__lte=today + timedelta(days=days + 1), **accounts,
    )


def expiring_field(account_type: PointsAccountType, days: int) -> Field:
    return Field(
        key=f"{EXPIRING_PREFIX}{account_type.code}.{days}", label=f"{days}天内过期的{account_type.name}",
        type=FieldType.NUMBER,
        per_member=lambda ctx: _sums(_expiring_lots(account_type, days, ctx), "account__member", "remaining"),
        read=lambda member, ctx: _read_sum(_expiring_lots(account_type, days, ctx, member), "remaining"),
        help=f"评估日起 {days} 天内（含当天，至第 {days} 天 24:00）过期的剩余积分；没有为 0",
    )


def _resolve_expiring(suffix: str) -> Field | None:
    code, _, days = suffix.rpartition(".")
    if not code or not days.isdigit() or int(days) > MAX_EXPIRING_DAYS:
        return None
    account_type = PointsAccountType.objects.filter(code=code).first()
    return expiring_field(account_type, int(days)) if account_type else None


def _listed_expiring() -> list[Field]:
    return [expiring_field(t, days) for t in PointsAccountType.objects.filter(active=True)
            for days in EXPIRING_DAYS_LISTED]


def register(registry: FieldRegistry) -> None:
    registry.register(ROLES_FIELD)
    registry.register_family(LEVEL_PREFIX, _resolve_level, _active_levels)
    for prefix in BALANCES:
        registry.register_family(prefix, *_balance_family(prefix))
    registry.register_family(EXPIRING_PREFIX, _resolve_expiring, _listed_expiring)
