"""What the insights app grants each staff role (collected by core.roles)."""

from core.roles import ADMIN, OPERATOR

ROLE_PERMISSIONS = {
    ADMIN: ["insights.*"],
    OPERATOR: ["insights.*"],
}
