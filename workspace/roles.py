"""What a store guide and a store manager may do: the one place their permissions are listed.

Guides work in the workspace only: no Django admin (not is_staff), no exports, no liability report,
no member list outside their scope. Every permission they hold, from any app, is here; the other
apps' roles modules grant these two roles nothing.
"""

from core.roles import ADMIN, GUIDE, OPERATOR, STORE_MANAGER

GUIDE_PERMISSIONS = [
    "workspace.use_workspace",             # search, card, timeline, portrait, reminders (scoped)
    "workspace.add_followup", "workspace.view_followup",
    "tagging.apply_guide_tags",            # only tags marked 导购可用 (tagging.services.static.check_may_apply)
    "members.add_consentrecord",           # consent given in store, with its evidence
    "insights.view_dashboard",             # 经营看板, limited to their own stores' figures
]

ROLE_PERMISSIONS = {
    ADMIN: ["workspace.*"],
    OPERATOR: ["workspace.*"],
    GUIDE: GUIDE_PERMISSIONS,
    STORE_MANAGER: [*GUIDE_PERMISSIONS, "workspace.view_store_report"],
}
