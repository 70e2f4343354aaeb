"""What the loyalty app grants each staff role (collected by core.roles)."""

from core.roles import ADMIN, FINANCE, OPERATOR

LIABILITY_REPORT = "loyalty.view_liability_report"
GRANTED_BY_NAME_ONLY = {LIABILITY_REPORT}  # finance data: never through "loyalty.view_*"

ROLE_PERMISSIONS = {
    ADMIN: ["loyalty.*", LIABILITY_REPORT],
    OPERATOR: ["loyalty.view_*"],
    # Finance: the points liability report and its downloads, and the accounts and ledger behind it.
    FINANCE: [
        LIABILITY_REPORT, "loyalty.view_pointsaccounttype", "loyalty.view_pointsaccount", "loyalty.view_ledgerentry",
    ],
}
