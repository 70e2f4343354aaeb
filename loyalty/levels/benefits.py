"""A member's current benefits, derived from their levels in all active roles, and the earn-rule
multiplier those benefits give (registered with `loyalty.earning.multiplier_providers`)."""

from __future__ import annotations

from decimal import Decimal

from loyalty.models import Benefit, BenefitKind, EarnRule, Level, MemberLevel, RoleStatus


def current_levels(member_id: int) -> list[MemberLevel]:
    return list(MemberLevel.objects.filter(member_id=member_id, member_role__status=RoleStatus.ACTIVE)
                .select_related("scheme", "level", "floor_level", "member_role__role_type")
                .order_by("scheme_id"))


def current_benefits(member_id: int) -> list[Benefit]:
    level_ids = [row.level_id for row in current_levels(member_id)]
    return list(Benefit.objects.filter(active=True, levels__pk__in=level_ids).distinct().order_by("pk"))


def level_multipliers(rule: EarnRule, member_ids: list[int]) -> dict[int, Decimal]:
    """Per member, the largest points multiplier among the benefits of their levels in the rule's role."""
    rows = (Level.objects.filter(benefits__kind=BenefitKind.POINTS_MULTIPLIER, benefits__active=True)
            .values_list("pk", "benefits__value"))
    factor_of_level: dict[int, Decimal] = {}
    for level_id, value in rows:
        if value is not None and value > factor_of_level.get(level_id, Decimal("0")):
            factor_of_level[level_id] = value
    if not factor_of_level:
        return {}
    result: dict[int, Decimal] = {}
    levels = MemberLevel.objects.filter(
        member_id__in=member_ids, level_id__in=list(factor_of_level), member_role__role_type_id=rule.role_type_id,
        member_role__status=RoleStatus.ACTIVE, scheme__active=True,
    ).values_list("member_id", "level_id")
    for member_id, level_id in levels:
        result[member_id] = max(result.get(member_id, Decimal("0")), factor_of_level[level_id])
    return result
