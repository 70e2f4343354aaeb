"""What the members app grants each staff role (collected by core.roles)."""

from core.roles import ADMIN, OPERATOR

ROLE_PERMISSIONS = {
    # Admins: every record and rule.
    ADMIN: ["members.*"],
    # Marketing/data operators: see everything, fix profiles, run imports, decide the review queue.
    OPERATOR: [
        "members.view_*", "members.reveal_phone", "members.change_member", "members.add_consentrecord",
        "members.change_mergecandidate", "members.add_mergerecord", "members.add_importbatch",
    ],
    # Store guides and managers: see workspace/roles.py (their one list).
}
