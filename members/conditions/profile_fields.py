"""The profile fields members registers: gender, age, birthday, region, registration, home store,
mobile, SMS consent, channel accounts held, and one field per active custom attribute
(`member.attr.<key>`, a family: a new attribute needs no code).

Birthdays are Gregorian: the Member model records no lunar-birthday preference, so
`birthday_within_days` does not offer 农历 yet. A 29 February birthday is kept on 28 February in a
common year (it stays in February, so "生日本月" still finds the person).
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import (
    Case,
    DateField,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.db.models.lookups import Exact, Regex

from members.models import (
    AttributeDefinition,
    AttributeType,
    Channel,
    ConsentChannel,
    ConsentRecord,
    ConsentStatus,
    Gender,
    SourceProfile,
    Store,
)
from members.services.consent import current_consent

from .registry import Field, FieldRegistry, FieldType
from .windows import SHANGHAI, shanghai_date

ATTRIBUTE_PREFIX = "member.attr."
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def age_on(birthday: date | None, on: date) -> int | None:
    if birthday is None:
        return None
    return on.year - birthday.year - ((on.month, on.day) < (birthday.month, birthday.day))


def _age_sql(ctx):
    age = Func(Value(ctx.as_of, DateField()), F("birthday"), function="AGE")
    return Cast(Func(Value("year"), age, function="DATE_PART"), IntegerField())


def _born_by(on: date, years: int) -> date | None:
    """The last birthday that makes someone `years` old on `on` (age_on ≥ years ⟺ birthday ≤ this):
    the same month and day `years` earlier; 29 February falls back to 28 February in a common year.
    None when that is before year 1 (nobody is that old) or after 9999 (everybody is)."""
    year = on.year - years
    if not 1 <= year <= 9999:
        return None
    day = 28 if (on.month, on.day) == (2, 29) and not calendar.isleap(year) else on.day
    return date(year, on.month, day)


def _age_at_least(ctx, years) -> Q:
    years = math.ceil(years)
    born_by = _born_by(ctx.as_of, years)
    if born_by is None:
        return Q(pk__in=[]) if years > 0 else Q(birthday__isnull=False)
    return Q(birthday__lte=born_by)


def _age_at_most(ctx, years) -> Q:
    years = math.floor(years) + 1
    born_after = _born_by(ctx.as_of, years)
    if born_after is None:
        return Q(birthday__isnull=False) if years > 0 else Q(pk__in=[])
    return Q(birthday__gt=born_after)


def _age_compare_sql(ctx, op: str, value) -> Q | None:
    """Comparisons of member.age as birthday ranges (the same members as age_on, exactly: a property
    test proves it): no AGE() per row over millions of members, and the birthday index applies."""
    if op in ("gte", "gt"):
        return _age_at_least(ctx, value + 1 if op == "gt" and value == int(value) else value)
    if op in ("lte", "lt"):
        return _age_at_most(ctx, value - 1 if op == "lt" and value == int(value) else value)
    if op == "between":
        return _age_at_least(ctx, value[0]) & _age_at_most(ctx, value[1])
    if op == "eq":
        return _age_at_least(ctx, value) & _age_at_most(ctx, value)
    if op == "in":
        return reduce(or_, (_age_at_least(ctx, v) & _age_at_most(ctx, v) for v in value), Q(pk__in=[]))
    return None  # is_empty and the rest: the generic comparison


def _latest_sms_consent():
    return Subquery(
        ConsentRecord.objects.filter(member=OuterRef("pk"), channel=ConsentChannel.SMS)
        .order_by("-recorded_at", "-id").values("status")[:1]
    )


def _text(name: str, label: str, **extra) -> Field:
    return Field(key=f"member.{name}", label=label, type=extra.pop("type", FieldType.TEXT),
                 value_sql=lambda ctx: F(name), read=lambda member, ctx: getattr(member, name), **extra)


def _store_choices():
    return Store.objects.order_by("code").values_list("code", "name")


PROFILE_FIELDS = (
    _text("gender", "性别", type=FieldType.CHOICE, choices=tuple(Gender.choices), empty_values=("", Gender.UNKNOWN)),
    Field(key="member.age", label="年龄", type=FieldType.NUMBER, value_sql=_age_sql, compare_sql=_age_compare_sql,
          read=lambda member, ctx: age_on(member.birthday, ctx.as_of), help="按评估日计算的周岁"),
    Field(key="member.birthday", label="生日", type=FieldType.DATE, extra_operators=("birthday_within_days",),
          value_sql=lambda ctx: F("birthday"), read=lambda member, ctx: member.birthday,
          help="公历生日；2月29日生日在平年按2月28日计"),
    _text("province", "省份"),
    _text("city", "城市"),
    _text("district", "区县"),
    _text("registered_channel", "注册渠道", type=FieldType.CHOICE, choices=tuple(Channel.choices)),
    Field(key="member.registered_at", label="注册日期", type=FieldType.DATE,
          value_sql=lambda ctx: TruncDate("registered_at", tzinfo=SHANGHAI),
          read=lambda member, ctx: shanghai_date(member.registered_at) if member.registered_at else None,
          help="注册时间的上海日期"),
    Field(key="member.home_store", label="归属门店", type=FieldType.CHOICE, choices=_store_choices,
          value_sql=lambda ctx: F("home_store__code"),
          read=lambda member, ctx: member.home_store.code if member.home_store_id else None, help="门店编码"),
    Field(key="member.has_mobile", label="有手机号", type=FieldType.BOOLEAN, true_sql=lambda ctx: ~Q(mobile=""),
          read=lambda member, ctx: bool(member.mobile)),
    Field(key="member.sms_consent", label="同意短信营销", type=FieldType.BOOLEAN,
          true_sql=lambda ctx: Q(Exact(Coalesce(_latest_sms_consent(), Value("")), ConsentStatus.GRANTED)),
          read=lambda member, ctx: current_consent(member.pk, ConsentChannel.SMS) == ConsentStatus.GRANTED,
          help="最近一次短信授权为「同意」"),
    Field(key="member.channel_accounts", label="拥有渠道账号", type=FieldType.SET, choices=tuple(Channel.choices),
          has_sql=lambda ctx, channel: Q(Exists(SourceProfile.objects.filter(member=OuterRef("pk"), channel=channel))),
          read=lambda member, ctx: set(SourceProfile.objects.filter(member=member).values_list("channel", flat=True))),
)


# ---- custom attributes -----------------------------------------------------------------------------

def _checked_cast(key: str, pattern: re.Pattern, output_field):
    """The attribute's text cast to its type, or NULL when the stored text does not fit the type
    (a definition whose type changed after values were stored): empty, never a query error."""
    text = KeyTextTransform(key, "attributes")
    return Case(When(Regex(text, pattern.pattern), then=Cast(text, output_field)), default=None,
                output_field=output_field)


def _read_attribute(definition: AttributeDefinition, raw):
    kind = definition.type
    if raw is None:
        return set() if kind == AttributeType.MULTI_CHOICE else None
    if kind in (AttributeType.INTEGER, AttributeType.DECIMAL):
        return Decimal(str(raw)) if _NUMBER.match(str(raw)) else None
    if kind == AttributeType.DATE:
        return date.fromisoformat(raw) if isinstance(raw, str) and _DATE.match(raw) else None
    if kind == AttributeType.BOOLEAN:
        return raw is True
    if kind == AttributeType.MULTI_CHOICE:
        return set(raw) if isinstance(raw, list) else set()
    return raw if isinstance(raw, str) else str(raw)


def attribute_field(definition: AttributeDefinition) -> Field:
    key, kind = definition.key, definition.type
    common = {"key": ATTRIBUTE_PREFIX + key, "label": definition.label, "help": definition.help_text,
              "read": lambda member, ctx: _read_attribute(definition, (member.attributes or {}).get(key))}
    choices = tuple((value, value) for value in definition.choices or ())
    if kind == AttributeType.BOOLEAN:
        return Field(type=FieldType.BOOLEAN, true_sql=lambda ctx: Q(attributes__contains={key: True}), **common)
    if kind == AttributeType.MULTI_CHOICE:
        return Field(type=FieldType.SET, choices=choices,
                     has_sql=lambda ctx, value: Q(attributes__contains={key: [value]}), **common)
    if kind in (AttributeType.INTEGER, AttributeType.DECIMAL):
        output = DecimalField(max_digits=30, decimal_places=10)
        return Field(type=FieldType.NUMBER, value_sql=lambda ctx: _checked_cast(key, _NUMBER, output), **common)
    if kind == AttributeType.DATE:
        return Field(type=FieldType.DATE, value_sql=lambda ctx: _checked_cast(key, _DATE, DateField()), **common)
    text = lambda ctx: KeyTextTransform(key, "attributes")  # noqa: E731
    if kind == AttributeType.CHOICE:
        return Field(type=FieldType.CHOICE, choices=choices, value_sql=text, **common)
    return Field(type=FieldType.TEXT, value_sql=text, **common)


def _resolve_attribute(key: str) -> Field | None:
    definition = AttributeDefinition.objects.filter(key=key, is_active=True).first()
    return attribute_field(definition) if definition else None


def _active_attributes() -> list[Field]:
    return [attribute_field(d) for d in AttributeDefinition.objects.filter(is_active=True)]


def register(registry: FieldRegistry) -> None:
    for item in PROFILE_FIELDS:
        registry.register(item)
    registry.register_family(ATTRIBUTE_PREFIX, _resolve_attribute, _active_attributes)
