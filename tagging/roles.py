"""What the tagging app grants each staff role (collected by core.roles).

Guides and store managers: see workspace/roles.py (they may put on / take off only the static tags
marked 导购可用: tagging.apply_guide_tags, checked per tag in tagging.services.static.check_may_apply).
"""

from core.roles import ADMIN, OPERATOR

ROLE_PERMISSIONS = {
    ADMIN: ["tagging.*"],
    OPERATOR: ["tagging.*"],
}
