"""The 360° member card and its timeline as registries each app fills (core.hooks.Hook).

members cannot import the apps above it, yet the card shows their data: each app connects, in its
AppConfig.ready(), a `CardSection` (a block of the card: levels, points, tags, ...) and a
`TimelineSource` (its rows on the member's timeline: orders, points movements, tag changes, ...).
The workspace app (and later campaigns) only iterates over them.

Sections return plain data (dicts, lists, str, numbers, dates, Decimals) so the same card serves the
HTML page and the JSON API. Each section masks what `viewer` may not see.

The timeline is one UNION ALL statement over every source, newest first, so a page costs one query
whatever the number of sources: each source gives a queryset of its rows for a member with four
annotations (see `timeline_row`), and a function that turns a row's `data` into words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import F, JSONField, QuerySet, Value
from django.db.models.functions import Cast, JSONObject

from core.hooks import Hook

from .cleaning.phones import masked_mobile
from .masking import mask_text


@dataclass(frozen=True)
class Viewer:
    """Who reads the card and as of when: what to mask, and the business day for 'days until'."""

    user: Any
    reveal_phone: bool
    now: datetime
    today: date

    def shown(self, text: str) -> str:
        """Free text as this viewer may read it (phones and e-mails masked unless revealed)."""
        return text if self.reveal_phone else mask_text(text)

    def shown_mobile(self, mobile: str) -> str:
        return mobile if self.reveal_phone else masked_mobile(mobile)


@dataclass(frozen=True)
class CardSection:
    key: str
    title: str
    order: int
    build: Callable[[Any, Viewer], Any]  # (member, viewer) → data, or None to leave the section out


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    label: str  # the source's name: 订单, 积分, ...
    title: str
    detail: str = ""
    amount: str = ""  # signed, formatted: "+120 积分", "¥368.00"
    actor: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TimelineSource:
    kind: str
    label: str
    rows: Callable[[int], QuerySet]  # member id → queryset annotated with timeline_row(...)
    describe: Callable[[dict, Viewer], dict]  # row data → TimelineEntry fields (title, detail, amount, actor)


card_sections = Hook("card_sections", "CardSection: a block of the member card, filled by each app")
timeline_sources = Hook("timeline_sources", "TimelineSource: rows an app adds to a member's timeline")


def timeline_row(queryset: QuerySet, *, kind: str, at, **data) -> QuerySet:
    """`queryset` as timeline rows: (tl_at, tl_kind, tl_ref, tl_data) in that order, for the union.
    `at` is a field name or an expression; money in `data` should be cast to text (JSON numbers
    come back as floats)."""
    return queryset.annotate(
        tl_at=F(at) if isinstance(at, str) else at, tl_kind=Value(kind), tl_ref=F("pk"), tl_data=Cast(JSONObject(**data), JSONField()),
    ).values_list("tl_at", "tl_kind", "tl_ref", "tl_data")


def build_card(member, viewer: Viewer) -> dict[str, Any]:
    """Every section's data by key, in the sections' order; sections with nothing to show left out."""
    card = {}
    for section in sorted(card_sections, key=lambda s: s.order):
        data = section.build(member, viewer)
        if data is not None:
            card[section.key] = data
    return card


def timeline_page(member_id: int, viewer: Viewer, *, page: int = 1, size: int = 20,
                  kinds: set[str] | None = None) -> tuple[list[TimelineEntry], bool]:
    """One page of the member's timeline, newest first, and whether another page follows."""
    sources = {s.kind: s for s in timeline_sources if kinds is None or s.kind in kinds}
    if not sources:
        return [], False
    offset = (max(page, 1) - 1) * size
    # Each source gives at most the rows up to the end of this page, newest first: PostgreSQL then
    # computes a row's expensive columns (an order's lines) only for those, not for a big buyer's
    # every order.
    querysets = [source.rows(member_id) for source in sources.values()]
    if len(querysets) > 1:
        limited = [queryset.order_by("-tl_at", "-tl_ref")[:offset + size + 1] for queryset in querysets]
        union = limited[0].union(*limited[1:], all=True)
    else:
        union = querysets[0]
    # (time, id) can tie across sources (ids of different tables coincide): the kind makes the order total,
    # so consecutive pages neither repeat nor skip a row.
    rows = list(union.order_by("-tl_at", "-tl_ref", "tl_kind")[offset:offset + size + 1])
    entries = []
    for at, kind, _ref, data in rows[:size]:
        source = sources[kind]
        entries.append(TimelineEntry(at=at, kind=kind, label=source.label, **source.describe(data, viewer)))
    return entries, len(rows) > size
