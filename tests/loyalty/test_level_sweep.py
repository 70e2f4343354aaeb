"""The review's sweep for role holders without a level row: it gives them the base level, then
looks only at roles created or changed since its previous run."""

from datetime import date, timedelta

from django.utils import timezone

from loyalty.levels.review import SWEEP_OVERLAP, review_levels
from loyalty.models import Level, LevelChange, LevelChangeKind, LevelScheme, MemberLevel, MemberRole, RoleType
from loyalty.services import open_role
from loyalty.services.accounts import end_role

ON = date(2027, 1, 1)


def has_level(role) -> bool:
    return MemberLevel.objects.filter(member_role=role, scheme__code="consumer").exists()


def test_new_role_holders_get_the_base_level_and_unchanged_roles_are_not_looked_at_again(member, consumer):
    # Given a consumer without a level row, swept by a review
    first = open_role(member=member(), role_type=consumer)
    review_levels(on=ON)
    scheme = LevelScheme.objects.get(code="consumer")
    assert has_level(first) and scheme.levels_assigned_at is not None
    assert LevelChange.objects.filter(member_level__member_role=first, kind=LevelChangeKind.INITIAL).count() == 1

    # And then a new consumer, and an old role without a level row that nothing changed since long before
    new = open_role(member=member(), role_type=consumer)
    old = open_role(member=member(), role_type=consumer)
    MemberRole.objects.filter(pk=old.pk).update(updated_at=scheme.levels_assigned_at - SWEEP_OVERLAP - timedelta(hours=1))

    # When the next review runs
    review_levels(on=ON)

    # Then the new consumer has the base level; the unchanged role was not looked at
    assert has_level(new)
    assert MemberLevel.objects.get(member_role=new, scheme=scheme).level == Level.objects.get(scheme=scheme, rank=0)
    assert not has_level(old)


def test_a_role_reopened_since_the_last_sweep_is_looked_at_again(member, consumer):
    # Given a role that ended before the review swept, without a level row
    role = open_role(member=member(), role_type=consumer)
    end_role(role=role)
    review_levels(on=ON)
    assert not has_level(role)

    # When it is reopened and the next review runs
    open_role(member=role.member, role_type=consumer)
    review_levels(on=ON)

    # Then it has the base level
    assert has_level(role)


def test_a_scheme_moved_to_another_role_type_sweeps_every_role_of_that_type(member, consumer):
    # Given a swept scheme and a role type of older roles the scheme never covered
    vip = RoleType.objects.create(code="vip", name="贵宾")
    role = open_role(member=member(), role_type=vip)
    MemberRole.objects.filter(pk=role.pk).update(updated_at=timezone.now() - timedelta(days=30))
    review_levels(on=ON)
    scheme = LevelScheme.objects.get(code="consumer")

    # When the scheme is moved to that role type and the next review runs
    scheme.role_type = vip
    scheme.save()
    review_levels(on=ON)

    # Then the older role has a level in the scheme too
    assert MemberLevel.objects.filter(member_role=role, scheme=scheme).exists()
