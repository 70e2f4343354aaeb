"""What the members app grants each staff role (collected by core.roles)."""

from core.roles import ADMIN, GUIDE, OPERATOR

ROLE_PERMISSIONS = {
    # Admins: every record and rule.
    ADMIN: ["members.*"],
    # Marketing/data operators: see everything, fix profiles, run imports, decide the review queue.
    OPERATOR: [
        "members.view_*", "members.reveal_phone", "members.change_member", "members.add_consentrecord",
        "members.change_mergecandidate", "members.add_mergerecord", "members.add_importbatch",
    ],
    # Store guides: read their customers, record consent given in store. Phones are masked for them.
    GUIDE: [
        "members.view_member", "members.view_order", "members.view_orderline", "members.view_store",
        "members.add_consentrecord", "members.view_consentrecord",
    ],
}
