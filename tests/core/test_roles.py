"""core.roles: each app declares what it grants each role; the groups get exactly that.

role_permissions_snapshot.json holds, computed on PostgreSQL before the permissions were split per
app (issue 14), every permission that existed then and each group's permissions. Moving the
declarations must not change a single one of those; permissions of models added since are not
held to the snapshot (their app's patterns decide).

A role changed on purpose changes its "roles" entry, never "permissions" (the list of then): on the
test database, after sync_role_permissions(), each role's group permissions that are in "permissions",
sorted, written back with json.dumps(snapshot, indent=1, ensure_ascii=False, sort_keys=True).
Issue 17 did so once: 导购 kept only members.add_consentrecord of those (guides work in the workspace,
workspace/roles.py), and the new 店长 holds the same.
"""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from core import roles
from core.roles import ADMIN, ROLES, grants, sync_role_permissions

SNAPSHOT = json.loads((Path(__file__).parent / "role_permissions_snapshot.json").read_text())


def names(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions.select_related("content_type")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_holds_exactly_its_snapshot_among_the_permissions_of_then(role):
    # given every app's declarations applied
    sync_role_permissions()

    # then, among the permissions that existed then, the group holds exactly what it held then
    held_then = set(SNAPSHOT["permissions"])
    assert names(Group.objects.get(name=role).permissions) & held_then == set(SNAPSHOT["roles"][role])


@pytest.mark.django_db
def test_the_snapshot_still_names_only_real_permissions():
    # a renamed model would make the test above pass vacuously for its permissions
    assert set(SNAPSHOT["permissions"]) <= names(Permission.objects.all())


def test_every_app_with_a_roles_module_is_collected():
    patterns, by_name_only = roles.declared_permissions()

    assert {"members.*", "loyalty.*", "tagging.*", "insights.*", "campaigns.*", "django_celery_beat.*"} <= set(
        patterns[ADMIN])
    assert by_name_only == {"loyalty.view_liability_report"}


def test_a_permission_granted_by_name_only_is_never_reached_by_a_pattern():
    only = {"loyalty.view_liability_report"}

    assert not grants("loyalty.view_*", "loyalty.view_liability_report", only)
    assert not grants("loyalty.*", "loyalty.view_liability_report", only)
    assert grants("loyalty.view_liability_report", "loyalty.view_liability_report", only)
    assert grants("loyalty.view_*", "loyalty.view_ledgerentry", only)


def test_an_app_granting_to_an_unknown_role_is_refused(monkeypatch):
    from loyalty import roles as loyalty_roles

    monkeypatch.setattr(loyalty_roles, "ROLE_PERMISSIONS", {"收银员": ["loyalty.view_*"]})

    with pytest.raises(ValueError, match="收银员"):
        roles.declared_permissions()
