"""Staff roles (Django groups created by migration) and the permissions each needs.

Permissions are (re)applied after every migrate so that models added later by
higher apps reach the right roles without another data migration. A pattern is
"app_label.codename" where codename may end in "*" (e.g. "members.view_*").
"""

from fnmatch import fnmatch

ADMIN, OPERATOR, GUIDE = "管理员", "运营", "导购"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Loyalty/system admins: every rule and record in the product apps, beat schedules, read users.
    ADMIN: [
        "members.*", "loyalty.*", "tagging.*", "insights.*", "campaigns.*",
        "django_celery_beat.*", "auth.view_user", "auth.view_group",
    ],
    # Marketing/data operators: see everything, fix profiles, run imports, decide the review queue.
    OPERATOR: [
        "members.view_*", "members.reveal_phone", "members.change_member", "members.add_consentrecord",
        "members.change_mergecandidate", "members.add_mergerecord", "members.add_importbatch",
        "tagging.*", "insights.*", "campaigns.*", "loyalty.view_*",
    ],
    # Store guides: read their customers, record consent given in store. Phones are masked for them.
    GUIDE: [
        "members.view_member", "members.view_order", "members.view_orderline", "members.view_store",
        "members.add_consentrecord", "members.view_consentrecord", "loyalty.view_*", "tagging.view_*",
    ],
}


def sync_role_permissions(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    permissions = list(Permission.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            p for p in permissions
            if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pattern) for pattern in patterns)
        ]
        group.permissions.set(wanted)
