"""What the tagging app grants each staff role (collected by core.roles)."""

from core.roles import ADMIN, GUIDE, OPERATOR

ROLE_PERMISSIONS = {
    ADMIN: ["tagging.*"],
    OPERATOR: ["tagging.*"],
    GUIDE: ["tagging.view_*"],
}
