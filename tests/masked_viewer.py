"""Signed-in staff for the masking and access tests: a viewer who may not see full phones, and a guide.

Until issue 17 the tests borrowed the 导购 role as "staff who may open the admin pages and the API but
not see full phones". Guides now work in the guide workspace only (workspace/roles.py): they are not
is_staff (no Django admin) and hold no members / loyalty / tagging view permission (no API outside the
workspace). So:

- a masking test signs in a `masked_viewer` holding exactly the view permissions its pages need, and
  never members.reveal_phone;
- an access test signs in a guide as create_demo_users makes one (`sign_in_guide`) and asserts that
  they are refused: the admin sends them to its login (`sent_to_admin_login`), the API answers 403.
"""

from django.contrib.auth.models import Permission
from django.urls import reverse

from core.roles import GUIDE, declared_permissions, grants, sync_role_permissions
from members.masking import REVEAL_PERMISSION
from tests.conftest import login

# The member list and page with their orders, stores and consent: what the 导购 role read in the admin
# before issue 17, for tests that probe those pages as a whole.
MEMBER_READS = ("members.view_member", "members.view_order", "members.view_orderline", "members.view_store",
                "members.view_consentrecord")


def permissions_named(*patterns: str) -> list[str]:
    """Every permission the patterns name: "app_label.codename", the codename may end in "*" as in the
    apps' roles modules ("loyalty.view_*"); a permission granted by name only (the liability report)
    is reached only by its name, as for a role."""
    _, by_name_only = declared_permissions()
    names = [f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")]
    named = [name for name in names if any(grants(pattern, name, by_name_only) for pattern in patterns)]
    unknown = [pattern for pattern in patterns if not any(grants(pattern, name, by_name_only) for name in names)]
    assert not unknown, f"no permission matches {unknown}"
    return named


def masked_viewer(client, *patterns: str, username="viewer"):
    """Sign in staff (is_staff, so the admin opens) holding the permissions the patterns name and not
    members.reveal_phone: phones and e-mails must reach them masked."""
    perms = permissions_named(*patterns)
    assert REVEAL_PERMISSION not in perms, "a masked viewer must not hold members.reveal_phone"
    user = login(client, username, perms=perms)
    assert not user.has_perm(REVEAL_PERMISSION)
    return user


def sign_in_guide(client, username="guide"):
    """Sign in a 导购 as create_demo_users makes one: in the role group, not is_staff."""
    sync_role_permissions()  # roles get their permissions after migrate; do not depend on app order
    return login(client, username, group=GUIDE, staff=False)


def sent_to_admin_login(response) -> bool:
    """The admin's answer to a signed-in user who is not staff: its login page, nothing of the page asked for."""
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
