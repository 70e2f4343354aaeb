"""Operators: what value each takes, and its meaning twice — as SQL over members and in Python for
one member's value. Both follow the same two-valued rules:

- An empty value (NULL, and for text the field's empty strings) satisfies only `is_empty`; every
  other positive operator is false on it — never SQL's unknown.
- `ne`, `not_in`, `is_not_empty`, `has_not` are exactly the complement of `eq`, `in`, `is_empty`,
  `has`: a member whose city is empty is "not 上海市".
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Case, DateField, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from .registry import Field, FieldContext, FieldType

LABELS = {
    "eq": "等于", "ne": "不等于", "in": "属于", "not_in": "不属于", "contains": "包含",
    "gt": "大于", "gte": "大于等于", "lt": "小于", "lte": "小于等于", "between": "介于",
    "is_empty": "为空", "is_not_empty": "不为空", "within_last_days": "最近N天内", "before_days_ago": "早于N天前",
    "birthday_within_days": "未来N天内过生日", "has": "拥有", "has_not": "未拥有",
}
NEGATIONS = {"ne": "eq", "not_in": "in", "is_not_empty": "is_empty", "has_not": "has"}
MAX_DAYS = 36_600  # a century: longer is a typo, and would overflow date arithmetic
MAX_BIRTHDAY_DAYS = 365  # a longer span would need a third year of occurrences; a year covers everyone


class InvalidValue(ValueError):
    """The message is the Chinese text shown after the path."""


# ---- values ---------------------------------------------------------------------------------------

def _scalar(field: Field, raw):
    kind = field.type
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise InvalidValue("需要数字")
        try:
            number = Decimal(str(raw))
        except InvalidOperation as error:
            raise InvalidValue("需要数字") from error
        if not number.is_finite():
            raise InvalidValue("需要数字")
        return number
    if kind == FieldType.DATE:
        if isinstance(raw, str) and len(raw) == 10:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        raise InvalidValue("需要日期（YYYY-MM-DD）")
    if kind == FieldType.BOOLEAN:
        if not isinstance(raw, bool):
            raise InvalidValue("需要 true 或 false")
        return raw
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidValue("需要非空文本")
    choices = field.choice_values()
    if choices is not None and raw not in choices:
        listed = "、".join(f"{value}({label})" for value, label in choices.items())
        raise InvalidValue(f"取值「{raw}」不在可选值中：{listed or '无'}")
    return raw


def _days(raw, *, maximum: int = MAX_DAYS) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0 or raw > maximum:
        raise InvalidValue(f"需要 0 到 {maximum} 之间的整数天数")
    return raw


def clean_value(field: Field, op: str, raw, present: bool):
    """The operator's value, typed (Decimal, date, ...); raises InvalidValue."""
    if op in ("is_empty", "is_not_empty"):
        if present and raw is not None:
            raise InvalidValue("该运算符不需要取值")
        return None
    if not present:
        raise InvalidValue("缺少取值")
    if op in ("in", "not_in"):
        if not isinstance(raw, list) or not raw:
            raise InvalidValue("需要非空列表")
        return [_scalar(field, item) for item in raw]
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise InvalidValue("需要两个值的列表 [下限, 上限]")
        low, high = (_scalar(field, item) for item in raw)
        if low > high:
            raise InvalidValue("下限不能大于上限")
        return [low, high]
    if op in ("within_last_days", "before_days_ago"):
        return _days(raw)
    if op == "birthday_within_days":
        return _days(raw, maximum=MAX_BIRTHDAY_DAYS)
    if op == "contains":  # a fragment: never checked against the choices
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidValue("需要非空文本")
        return raw
    return _scalar(field, raw)


# ---- SQL ------------------------------------------------------------------------------------------

def _occurrence_sql(day_expression, year: int):
    """The member's anniversary of `day_expression` in `year`; 29 Feb falls on 28 Feb in a common year."""
    month = Cast(ExtractMonth(day_expression), IntegerField())  # EXTRACT gives numeric; MAKE_DATE wants int
    day = Cast(ExtractDay(day_expression), IntegerField())
    if not calendar.isleap(year):
        day = Case(When(Q(Exact(month, 2), Exact(day, 29)), then=Value(28)), default=day)
    return Func(Value(year), month, day, function="MAKE_DATE", output_field=DateField())


def positive_sql(field: Field, op: str, value, ctx: FieldContext) -> Q:
    if field.type == FieldType.SET:
        return field.contains_sql(ctx, value) if op == "contains" else field.has_sql(ctx, value)
    if field.type == FieldType.BOOLEAN:
        true = field.true_sql(ctx)
        return true if value else ~true
    if field.per_member is not None:
        return _per_member_sql(field, op, value, ctx)
    if field.compare_sql is not None and (direct := field.compare_sql(ctx, op, value)) is not None:
        return direct
    return _compare_sql(field.value_sql(ctx), field, op, value, ctx)


def _per_member_sql(field: Field, op: str, value, ctx: FieldContext) -> Q:
    """`id IN` the members whose row meets the leaf; when a member without a row meets it too (0
    orders is "fewer than 2"), the complement: `NOT (id IN` the members whose row fails it). Both are
    two-valued: a row's comparison carries its own IS NOT NULL, and member ids are never NULL."""
    per = field.per_member(ctx)
    rows = per.rows if ctx.within is None else per.rows.filter(**{f"{per.member}__in": ctx.within})
    meets = _compare_sql(F("value"), field, op, value, ctx)
    if _positive_test(field, op, per.default, value, ctx):
        return ~Q(pk__in=rows.filter(~meets).values(per.member))
    return Q(pk__in=rows.filter(meets).values(per.member))


def value_sql(field: Field, ctx: FieldContext):
    """The member's value as an expression of the outer Member row — for reading a few members'
    values (the snapshot of a tag's why), not for selecting among millions."""
    if field.per_member is None:
        return field.value_sql(ctx)
    per = field.per_member(ctx)
    own = Subquery(per.rows.filter(**{per.member: OuterRef("pk")}).values("value")[:1])
    return own if per.default is None else Coalesce(own, Value(per.default), output_field=own.output_field)


def _compare_sql(expression, field: Field, op: str, value, ctx: FieldContext) -> Q:
    if op == "is_empty":
        empty = Q(IsNull(expression, True))
        if field.type in (FieldType.TEXT, FieldType.CHOICE):
            empty |= Q(In(expression, list(field.empty_values)))
        return empty
    present = Q(IsNull(expression, False))
    if op == "eq":
        return present & Q(Exact(expression, value))
    if op == "in":
        return present & Q(In(expression, value))
    if op == "contains":
        return present & Q(Contains(expression, value))
    compare = {"gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}
    if op in compare:
        return present & Q(compare[op](expression, value))
    if op == "between":
        return present & Q(GreaterThanOrEqual(expression, value[0])) & Q(LessThanOrEqual(expression, value[1]))
    if op == "within_last_days":
        return present & Q(GreaterThanOrEqual(expression, ctx.as_of - timedelta(days=value))) & Q(
            LessThanOrEqual(expression, ctx.as_of))
    if op == "before_days_ago":
        return present & Q(LessThan(expression, ctx.as_of - timedelta(days=value)))
    if op == "birthday_within_days":
        last = ctx.as_of + timedelta(days=value)
        upcoming = Q()
        for year in (ctx.as_of.year, ctx.as_of.year + 1):
            occurrence = _occurrence_sql(expression, year)
            upcoming |= Q(GreaterThanOrEqual(occurrence, ctx.as_of), LessThanOrEqual(occurrence, last))
        return present & upcoming
    raise ValueError(f"unknown operator {op}")


def leaf_sql(field: Field, op: str, value, ctx: FieldContext) -> Q:
    if op in NEGATIONS:
        return ~positive_sql(field, NEGATIONS[op], value, ctx)
    return positive_sql(field, op, value, ctx)


# ---- Python ---------------------------------------------------------------------------------------

def occurrence(day: date, year: int) -> date:
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, day.month, day.day)


def _positive_test(field: Field, op: str, actual, value, ctx: FieldContext) -> bool:
    if field.type == FieldType.SET:
        if op == "contains":
            return any(value in held for held in actual or ())
        return value in (actual or ())
    if field.type == FieldType.BOOLEAN:
        return bool(actual) == value
    if op == "is_empty":
        return actual is None or (field.type in (FieldType.TEXT, FieldType.CHOICE) and actual in field.empty_values)
    if actual is None:
        return False
    if op == "eq":
        return actual == value
    if op == "in":
        return actual in value
    if op == "contains":
        return value in actual
    if op == "gt":
        return actual > value
    if op == "gte":
        return actual >= value
    if op == "lt":
        return actual < value
    if op == "lte":
        return actual <= value
    if op == "between":
        return value[0] <= actual <= value[1]
    if op == "within_last_days":
        return ctx.as_of - timedelta(days=value) <= actual <= ctx.as_of
    if op == "before_days_ago":
        return actual < ctx.as_of - timedelta(days=value)
    if op == "birthday_within_days":
        last = ctx.as_of + timedelta(days=value)
        return any(ctx.as_of <= occurrence(actual, year) <= last for year in (ctx.as_of.year, ctx.as_of.year + 1))
    raise ValueError(f"unknown operator {op}")


def leaf_test(field: Field, op: str, actual, value, ctx: FieldContext) -> bool:
    if op in NEGATIONS:
        return not _positive_test(field, NEGATIONS[op], actual, value, ctx)
    return _positive_test(field, op, actual, value, ctx)
