"""The workspace's rows on the member timeline (follow-ups, and staff actions that have no row of
their own elsewhere), and the whole card as one dict: the sections every app registered, the text
portrait on top, the first page of the timeline — what both the page and the API return."""

from __future__ import annotations

from members.card import TimelineSource, Viewer, build_card, timeline_page, timeline_row, timeline_sources

from . import portrait
from .models import SHOWN_ELSEWHERE, ActionKind, FollowUp, FollowUpKind, StaffAction

TIMELINE_PAGE = 20


def _follow_up_rows(member_id: int):
    return timeline_row(FollowUp.objects.filter(member_id=member_id), kind="follow_up", at="created_at",
                        way="kind", text="text", remind_on="remind_on", author="author__username")


def _describe_follow_up(data: dict, viewer: Viewer) -> dict:
    remind = f"（提醒 {data['remind_on']}）" if data.get("remind_on") else ""
    return {"title": f"{FollowUpKind(data['way']).label}跟进{remind}",
            "detail": viewer.shown(data["text"]),
            "actor": data.get("author") or ""}


def _action_rows(member_id: int):
    return timeline_row(StaffAction.objects.filter(member_id=member_id).exclude(kind__in=SHOWN_ELSEWHERE),
                        kind="staff_action", at="at", action="kind", reason="reason", actor="actor__username")


def _describe_action(data: dict, viewer: Viewer) -> dict:
    reason = data.get("reason") or ""
    return {"title": ActionKind(data["action"]).label,
            "detail": viewer.shown(reason), "actor": data.get("actor") or ""}


def register() -> None:
    timeline_sources.connect(TimelineSource("follow_up", "跟进", _follow_up_rows, _describe_follow_up))
    timeline_sources.connect(TimelineSource("staff_action", "操作", _action_rows, _describe_action))


def assemble(member, viewer: Viewer, *, page: int = 1) -> dict:
    """The card: sections by key, `portrait` (sentences + actions) and `timeline` (one page)."""
    card = build_card(member, viewer)
    entries, more = timeline_page(member.pk, viewer, page=page, size=TIMELINE_PAGE)
    card["portrait"] = {"sentences": portrait.sentences(card), "actions": portrait.actions(card, viewer.today)}
    card["timeline"] = {"entries": entries, "page": page, "has_next": more}
    return card
