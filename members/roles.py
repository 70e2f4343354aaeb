"""Staff roles (Django groups created by migration) and the permissions each needs.

Permissions are (re)applied after every migrate so that models added later by
higher apps reach the right roles without another data migration. A pattern is
"app_label.codename" where codename may end in "*" (e.g. "members.view_*").
A permission in GRANTED_BY_NAME_ONLY reaches a role only when the role lists it by name:
a pattern never grants it (finance data must not reach guides through "loyalty.view_*").
"""

from fnmatch import fnmatch

ADMIN, OPERATOR, GUIDE, FINANCE = "管理员", "运营", "导购", "财务"

LIABILITY_REPORT = "loyalty.view_liability_report"
GRANTED_BY_NAME_ONLY = {LIABILITY_REPORT}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Loyalty/system admins: every rule and record in the product apps, beat schedules, read users.
    ADMIN: [
        "members.*", "loyalty.*", "tagging.*", "insights.*", "campaigns.*",
        "django_celery_beat.*", "auth.view_user", "auth.view_group", LIABILITY_REPORT,
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
    # Finance: the points liability report and its downloads, and the accounts and ledger behind it.
    FINANCE: [
        LIABILITY_REPORT, "loyalty.view_pointsaccounttype", "loyalty.view_pointsaccount", "loyalty.view_ledgerentry",
    ],
}


def _grants(pattern: str, permission: str) -> bool:
    if permission in GRANTED_BY_NAME_ONLY:
        return pattern == permission
    return fnmatch(permission, pattern)


def sync_role_permissions(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    permissions = list(Permission.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            p for p in permissions
            if any(_grants(pattern, f"{p.content_type.app_label}.{p.codename}") for pattern in patterns)
        ]
        group.permissions.set(wanted)
