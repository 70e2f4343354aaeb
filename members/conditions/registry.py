"""The registry of condition fields: what a leaf's `field` key can name.

A field says what it is (key, Chinese label, type, operators, whether it takes a window, choices)
and how to answer it two ways, which must agree (tests/members/conditions prove it on random trees):

- set-based, as SQL over `Member` — never loading members into Python — by the attribute its
  type needs:
    * text / choice / number / money / date: `value_sql(ctx)`, an expression of the member's value
      (`F` of a member column, a function of one). NULL means "empty"; the engine adds the NULL
      handling that keeps every leaf two-valued, so the field need not.
    * a number / money / date aggregated from other rows (orders, accounts, lots, levels):
      `per_member(ctx)`, a `PerMember` — one uncorrelated query of (member, value) rows, at most one
      row per member, and the value of a member without a row (0, ¥0 or empty). The engine compiles
      a leaf to `id IN (rows meeting it)`, or, when a member without rows meets it (`lt 2` orders),
      to `NOT (id IN (rows failing it))`: PostgreSQL runs each as one hash join over the table rather
      than one index probe per member (on 1M members a correlated subquery per leaf took seconds).
    * boolean: `true_sql(ctx)`, a `Q` of the members for whom it holds; it must never be NULL.
    * set (tags, roles, channels held): `has_sql(ctx, value)`, a `Q` of the members holding `value`;
      with the extra operator `contains`, also `contains_sql(ctx, text)`: holding a value that
      contains `text` (bought a product whose title contains 面霜).
- for one member, `read(member, ctx)`: the value explain() shows — a scalar (None when empty), a
  bool, or a set of held values.

`ctx` is a `FieldContext`: the evaluation date `as_of`, for windowed fields the leaf's `window`
as a `DateRange` of Shanghai business dates (None: all time), and `within`: when the query is
limited to some members (a tag refreshed for the members whose orders changed), an expression of
their ids that the engine puts inside each PerMember query, so it reads only their rows.

Members registers its profile fields in `profile_fields.py`. A higher app registers its own in its
AppConfig.ready() without members importing it. A windowed field (tests/members/conditions/
test_windows.py registers this one), the count of orders paid in the leaf's window:

    from django.db.models import Count, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce
    from members.conditions.registry import Field, FieldType, fields

    def orders_in(ctx, member=None):
        orders = Order.objects.filter(member=OuterRef("pk") if member is None else member)
        start, end = ctx.window.instant_bounds() if ctx.window else (None, None)  # Shanghai midnights
        if start:
            orders = orders.filter(paid_at__gte=start)
        if end:
            orders = orders.filter(paid_at__lt=end)
        return orders

    fields.register(Field(
        key="orders.count", label="订单数", type=FieldType.NUMBER, windowed=True,
        per_member=lambda ctx: PerMember(   # no orders: 0, not NULL
            orders_in(ctx).values("member").annotate(value=Count("*")), member="member", default=0),
        read=lambda member, ctx: orders_in(ctx, member).count(),
    ))

(where `orders_in(ctx)` without a member filters `member__isnull=False` instead: a NULL in the ids
of `NOT IN` would make it unknown). Paid amount net of refunds, AOV and first/last order date are
the same shape (Sum / Avg / Min / Max); channel, store, SKU, category and title bought are SET fields whose `has_sql` and
`contains_sql` are an `Exists` over the window's orders or lines (test_windows.py has titles). A
level per scheme compared by rank is a NUMBER field over the level's rank in a family
`loyalty.level.<scheme>`; points per account type a NUMBER family too.

Keys that come from data rather than code (one per active custom attribute, one per level scheme,
one per points account type) are a family: `register_family(prefix, resolve, list_all)`, where
`resolve(suffix)` returns the Field for `prefix + suffix` or None, and `list_all()` the fields that
exist now (for editors). A new attribute then needs no code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .windows import DateRange


class FieldType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    BOOLEAN = "boolean"
    SET = "set"


_EMPTINESS = ("is_empty", "is_not_empty")
_ORDERED = ("eq", "ne", "gt", "gte", "lt", "lte", "between")

DEFAULT_OPERATORS: dict[FieldType, tuple[str, ...]] = {
    FieldType.TEXT: ("eq", "ne", "in", "not_in", "contains", *_EMPTINESS),
    FieldType.CHOICE: ("eq", "ne", "in", "not_in", *_EMPTINESS),
    FieldType.NUMBER: (*_ORDERED, *_EMPTINESS),
    FieldType.MONEY: (*_ORDERED, *_EMPTINESS),
    FieldType.DATE: (*_ORDERED, "within_last_days", "before_days_ago", *_EMPTINESS),
    FieldType.BOOLEAN: ("eq",),
    FieldType.SET: ("has", "has_not"),
}


@dataclass(frozen=True)
class FieldContext:
    as_of: date
    window: DateRange | None = None
    within: Any = None  # member ids the query is limited to (an expression or a list), or None: all


@dataclass(frozen=True)
class PerMember:
    """A value aggregated per member: `rows` is a queryset of Member ids (`member`, the lookup path
    to them: "member", "account__member") annotated with `value`, at most one row per member, never
    correlated with the outer query; `default` is the value of a member without a row."""
    rows: Any
    member: str
    default: Any = None


@dataclass(frozen=True, eq=False)
class Field:
    key: str
    label: str
    type: FieldType
    read: Callable[[Any, FieldContext], Any]
    value_sql: Callable[[FieldContext], Any] | None = None
    per_member: Callable[[FieldContext], PerMember] | None = None  # instead of value_sql
    # An exact, cheaper SQL for some comparisons (ctx, op, value) → Q, or None to compare value_sql:
    # e.g. an age as a birthday range, which needs no per-row computation and can use an index.
    compare_sql: Callable[[FieldContext, str, Any], Any] | None = None
    true_sql: Callable[[FieldContext], Any] | None = None
    has_sql: Callable[[FieldContext, Any], Any] | None = None
    contains_sql: Callable[[FieldContext, str], Any] | None = None  # SET fields offering `contains`
    operators: tuple[str, ...] = ()  # empty: the type's defaults
    extra_operators: tuple[str, ...] = ()  # added to the defaults, e.g. birthday_within_days
    windowed: bool = False
    # (value, label) pairs; a callable is asked at validation time (store codes, attribute choices).
    choices: tuple[tuple[str, str], ...] | Callable[[], Iterable[tuple[str, str]]] | None = None
    # Text values that count as empty besides NULL ("" always; gender "U" = 未知).
    empty_values: tuple[str, ...] = ("",)
    help: str = ""
    _ops: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self):
        needs = {FieldType.BOOLEAN: "true_sql", FieldType.SET: "has_sql"}.get(self.type, "value_sql")
        if getattr(self, needs) is None and not (needs == "value_sql" and self.per_member is not None):
            raise TypeError(f"field {self.key}: a {self.type} field needs {needs}")
        ops = (self.operators or DEFAULT_OPERATORS[self.type]) + self.extra_operators
        if self.type == FieldType.SET and "contains" in ops and self.contains_sql is None:
            raise TypeError(f"field {self.key}: `contains` on a set field needs contains_sql")
        object.__setattr__(self, "_ops", ops)

    @property
    def allowed_operators(self) -> tuple[str, ...]:
        return self._ops

    def choice_values(self) -> dict[str, str] | None:
        if self.choices is None:
            return None
        pairs = self.choices() if callable(self.choices) else self.choices
        return dict(pairs)


class FieldRegistry:
    """Fields by key, plus families of keys resolved on demand. Registering a key twice replaces it
    (a ready() that runs again changes nothing)."""

    def __init__(self):
        self._fields: dict[str, Field] = {}
        self._families: dict[str, tuple[Callable[[str], Field | None], Callable[[], Iterable[Field]]]] = {}

    def register(self, item: Field) -> Field:
        self._fields[item.key] = item
        return item

    def register_family(self, prefix: str, resolve: Callable[[str], Field | None],
                        list_all: Callable[[], Iterable[Field]]) -> None:
        self._families[prefix] = (resolve, list_all)

    def unregister(self, key: str) -> None:
        self._fields.pop(key, None)
        self._families.pop(key, None)

    def get(self, key: str) -> Field | None:
        if key in self._fields:
            return self._fields[key]
        for prefix, (resolve, _) in self._families.items():
            if key.startswith(prefix) and len(key) > len(prefix):
                return resolve(key[len(prefix):])
        return None

    def all(self) -> list[Field]:
        every = list(self._fields.values())
        for _, list_all in self._families.values():
            every.extend(list_all())
        return every


fields = FieldRegistry()
