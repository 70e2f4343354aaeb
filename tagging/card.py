"""What tagging adds to the member card (members/card.py): the member's tags, and tag changes on
the timeline. A tag's "why" is read on demand (tagging/api/why.py), not with the card."""

from members.card import CardSection, TimelineSource, Viewer, card_sections, timeline_row, timeline_sources

from .models import TagKind, TagMembership
from .models.memberships import TagChange


def tags(member, viewer: Viewer) -> list[dict] | None:
    rows = list(
        TagMembership.objects.filter(member_id=member.pk).select_related("tag__category")
        .order_by("tag__category__sort_order", "tag__category_id", "tag__code", "value")
    )
    if not rows:
        return None
    return [{
        "id": row.pk, "tag_id": row.tag_id, "code": row.tag.code, "name": row.tag.name, "colour": row.tag.colour,
        "category": row.tag.category.name, "kind": row.tag.kind, "kind_label": TagKind(row.tag.kind).label,
        "value": viewer.shown(row.value), "since": row.since,
        "ends_on": row.ends_on, "guide_usable": row.tag.guide_usable,
    } for row in rows]


def _change_rows(member_id: int):
    return timeline_row(
        TagChange.objects.filter(member_id=member_id), kind="tag", at="at",
        added="added", tag="tag__name", value="value", reason="reason", actor="actor_label",
    )


def _describe_change(data: dict, viewer: Viewer) -> dict:
    value = f"（{data['value']}）" if data.get("value") else ""
    reason = data.get("reason") or ""
    return {
        "title": f"{'打上' if data['added'] else '取下'}标签「{data['tag']}」{value}",
        "detail": viewer.shown(reason),
        "actor": data.get("actor") or "",
    }


def register() -> None:
    card_sections.connect(CardSection("tags", "标签", 40, tags))
    timeline_sources.connect(TimelineSource("tag", "标签", _change_rows, _describe_change))
