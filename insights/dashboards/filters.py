"""The dashboard's drill-down (channel → province → city → store) and date range, read from and
written to the query string so that a view can be shared as a link."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from django.db.models import Q
from django.http import QueryDict

from loyalty.calendar import add_months, month_start
from members.models import Channel

LEVELS = ("channel", "province", "city", "store")  # the drill order
LEVEL_NAMES = {"channel": "渠道", "province": "省份", "city": "城市", "store": "门店"}
EMPTY = "_"  # in the URL: the empty value of a level (unknown province or city, no store)
UNKNOWN = {"channel": "（未知渠道）", "province": "（未知省份）", "city": "（未知城市）", "store": "（无门店）"}
CHANNELS = dict(Channel.choices)
DEFAULT_MONTHS = 12


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    channel: str | None = None  # None: not chosen; "": the empty value
    province: str | None = None
    city: str | None = None
    store: int | str | None = None  # a store id, or "" for "no store"
    start: date | None = None
    end: date | None = None
    # The stores a store guide or manager may see (members/scope.py); None: every place. Not in the URL.
    stores: tuple[int, ...] | None = None

    @classmethod
    def from_query(cls, query: QueryDict, latest: date | None) -> Filters:
        values = {}
        for level in LEVELS:
            raw = query.get(level)
            if raw is None or (level == "store" and raw not in (EMPTY, "") and not raw.isdigit()):
                break  # a level is only read when every level above it is chosen
            values[level] = "" if raw == EMPTY else (int(raw) if level == "store" else raw[:32])
        end = _day(query.get("end")) or latest or date.today()
        start = _day(query.get("start")) or add_months(month_start(end), 1 - DEFAULT_MONTHS)
        return cls(**values, start=min(start, end), end=end)

    @property
    def chosen(self) -> list[tuple[str, int | str]]:
        """The chosen levels from the top, down to the first one not chosen."""
        chosen = []
        for level in LEVELS:
            if getattr(self, level) is None:
                break
            chosen.append((level, getattr(self, level)))
        return chosen

    @property
    def next_level(self) -> str | None:
        """The level the breakdown shows: the first one not chosen yet (None when the store is)."""
        return next((level for level in LEVELS if getattr(self, level) is None), None)

    def place(self) -> Q:
        """The rows of the chosen place, in any dashboard table."""
        q = Q() if self.stores is None else Q(store_id__in=self.stores)
        for level, value in self.chosen:
            if level == "store":
                q &= Q(store__isnull=True) if value == "" else Q(store_id=value)
            else:
                q &= Q(**{level: value})
        return q

    def query_string(self, **changes) -> str:
        """This view's query string with `changes` (a level set to None drops it and every deeper one)."""
        filters = replace(self, **changes)
        params = [(level, url_value(value)) for level, value in filters.chosen]
        params += [("start", filters.start.isoformat()), ("end", filters.end.isoformat())]
        return "?" + urlencode(params)

    def widen_to(self, level: str | None) -> str:
        """The query string keeping the levels above `level` (None: keep all chosen)."""
        keep = LEVELS[:LEVELS.index(level)] if level else LEVELS
        return self.query_string(**{lv: None for lv in LEVELS if lv not in keep})


def label(level: str, value, store_names: dict[int, str] | None = None) -> str:
    """How a level's value reads on the page."""
    if value in ("", None):
        return UNKNOWN[level]
    if level == "channel":
        return CHANNELS.get(value, value)
    if level == "store":
        return (store_names or {}).get(value) or f"门店 #{value}"
    return value


def url_value(value) -> str:
    return EMPTY if value in ("", None) else str(value)
