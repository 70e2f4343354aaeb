"""What the tagging app grants each staff role (collected by core.roles).

Guides read tags and may put on / take off only the static tags marked 导购可用
(tagging.apply_guide_tags, checked per tag in tagging.services.static.check_may_apply).
"""

from core.roles import ADMIN, GUIDE, OPERATOR

ROLE_PERMISSIONS = {
    ADMIN: ["tagging.*"],
    OPERATOR: ["tagging.*"],
    GUIDE: ["tagging.view_*", "tagging.apply_guide_tags"],
}
