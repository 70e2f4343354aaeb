"""Staff roles (Django groups) and how the permissions each app grants them are applied.

The role names live here, below every app. Each app says what its own models grant each role in
its `roles` module (e.g. loyalty/roles.py):

    ROLE_PERMISSIONS = {ADMIN: ["loyalty.*"], OPERATOR: ["loyalty.view_*"]}
    GRANTED_BY_NAME_ONLY = {"loyalty.view_liability_report"}  # optional

A pattern is "app_label.codename" where codename may end in "*" (e.g. "members.view_*"). A
permission in some app's GRANTED_BY_NAME_ONLY reaches a role only when a role lists it by name: a
pattern never grants it (finance data must not reach guides through "loyalty.view_*").

`sync_role_permissions` (re)applies them after every migrate (CoreConfig), so models added later
reach the right roles without another data migration.
"""

from fnmatch import fnmatch
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

ADMIN, OPERATOR, GUIDE, STORE_MANAGER, FINANCE = "管理员", "运营", "导购", "店长", "财务"
ROLES = (ADMIN, OPERATOR, GUIDE, STORE_MANAGER, FINANCE)
# Roles that work in the guide workspace only (workspace/roles.py): never Django admin.
STORE_ROLES = (GUIDE, STORE_MANAGER)

# What core itself grants: the periodic jobs it syncs (sync_schedule) and a read of staff and roles.
ROLE_PERMISSIONS = {
    ADMIN: ["django_celery_beat.*", "auth.view_user", "auth.view_group"],
}


def declared_permissions() -> tuple[dict[str, list[str]], set[str]]:
    """The patterns every installed app grants each role, and the permissions granted by name only."""
    patterns: dict[str, list[str]] = {role: [] for role in ROLES}
    by_name_only: set[str] = set()
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "roles"):
            continue
        module = import_module(f"{config.name}.roles")
        for role, granted in getattr(module, "ROLE_PERMISSIONS", {}).items():
            if role not in patterns:
                raise ValueError(f"{config.name}.roles grants permissions to an unknown role {role!r}")
            patterns[role].extend(granted)
        by_name_only |= set(getattr(module, "GRANTED_BY_NAME_ONLY", ()))
    return patterns, by_name_only


def grants(pattern: str, permission: str, by_name_only: set[str]) -> bool:
    if permission in by_name_only:
        return pattern == permission
    return fnmatch(permission, pattern)


def sync_role_permissions(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    patterns, by_name_only = declared_permissions()
    permissions = list(Permission.objects.select_related("content_type"))
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([
            p for p in permissions
            if any(grants(pattern, f"{p.content_type.app_label}.{p.codename}", by_name_only)
                   for pattern in patterns[role])
        ])
