"""The "why" of each tag a member holds, as a guide may read it.

static — who put it on, when, the reason (masked), the end date and, after a merge, whose it was;
dynamic — the rule version and each leaf's value when it went on, plus the condition explained now;
variable — the value and its evidence. Free text and values read from data are masked for staff
without members.reveal_phone.
"""

from members.conditions.explain import explain
from members.conditions.tree import ConditionError
from members.masking import mask_data, may_reveal, shown_text
from members.models import Member
from tagging.models import TagKind, TagMembership


def memberships_of(member: Member):
    return (TagMembership.objects.filter(member=member)
            .select_related("member", "tag__category", "actor", "origin_member")
            .order_by("tag__category__sort_order", "tag__category_id", "tag__code", "value"))


def _static(membership: TagMembership, user) -> dict:
    origin = membership.origin_member
    return {
        "actor": membership.actor.get_username() if membership.actor else None,
        "reason": shown_text(membership.reason, user),
        "since": membership.since.isoformat(),
        "ends_on": membership.ends_on.isoformat() if membership.ends_on else None,
        "from_member": origin.code if origin and origin.pk != membership.member_id else None,
    }


def _explained_now(tag, member: Member) -> tuple[dict | None, list[str]]:
    try:
        return explain(tag.condition, member).as_dict(), []
    except ConditionError as error:  # stored before a field it names went away
        return None, error.errors


def _shown(data, user):
    # Leaf values and evidence come from profiles and orders (attributes, titles): masked like them.
    return data if may_reveal(user) else mask_data(data)


def _dynamic(membership: TagMembership, member: Member, user) -> dict:
    tag = membership.tag
    now, errors = _explained_now(tag, member)
    return {
        "rule_version": membership.rule_version,
        "current_rule_version": tag.rule_version,
        "since": membership.since.isoformat(),
        "leaf_values": _shown(membership.leaf_values, user),
        "explain_now": _shown(now, user),
        "explain_errors": errors,
        "unmet_since": membership.unmet_since.isoformat() if membership.unmet_since else None,
    }


def _variable(membership: TagMembership, user) -> dict:
    return {"value": shown_text(membership.value, user), "evidence": _shown(membership.evidence, user),
            "since": membership.since.isoformat()}


def why(membership: TagMembership, member: Member, user) -> dict:
    kind = membership.tag.kind
    if kind == TagKind.STATIC:
        return _static(membership, user)
    if kind == TagKind.DYNAMIC:
        return _dynamic(membership, member, user)
    return _variable(membership, user)
