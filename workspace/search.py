"""The workspace search: one box for a full mobile, its last four digits, a masked number
(138****5678), a member code, a name, a Tmall nick or any channel account id — within the
searcher's scope (members/scope.py), at most `LIMIT` results.

Bad input gets a message a guide can act on instead of a query: one to three digits, text longer
than `MAX_LENGTH`, nothing to search for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Right

from core.widths import to_halfwidth
from insights.models import MemberMetrics
from loyalty.models import MemberLevel, RoleStatus
from members.cleaning.phones import normalize_mobile
from members.models import IdentifierKind, Identity, Member
from members.scope import scoped_members

LIMIT = 20
MAX_LENGTH = 64
_MASKED = re.compile(r"^(1\d{2})\*{2,6}(\d{4})$")
_CODE = re.compile(r"^M\d{9}$", re.IGNORECASE)


class SearchRefused(ValueError):
    """The query cannot be searched for; the message says what to type instead."""


@dataclass(frozen=True)
class Query:
    kind: str  # mobile | last4 | masked | code | text
    value: str
    prefix: str = ""

    @property
    def label(self) -> str:
        return {"mobile": "手机号", "last4": "手机尾号", "masked": "脱敏号码", "code": "会员编号",
                "text": "姓名或渠道账号"}[self.kind]


def parse(raw: str) -> Query:
    text = "".join(ch for ch in to_halfwidth(raw or "") if unicodedata.category(ch)[0] != "C").strip()
    if not text:
        raise SearchRefused("请输入手机号、手机尾号后四位、姓名、会员编号或渠道账号。")
    if len(text) > MAX_LENGTH:
        raise SearchRefused(f"搜索内容太长（{len(text)} 个字符），最多 {MAX_LENGTH} 个字符。")
    compact = re.sub(r"[\s\-().]", "", text)
    if masked := _MASKED.match(compact):
        return Query("masked", masked.group(2), prefix=masked.group(1))
    if compact.startswith("+") and compact[1:].isdigit():
        phone = normalize_mobile(compact)
        return Query("mobile", phone.e164) if phone.e164 else Query("text", compact)
    if compact.isdigit():
        if len(compact) < 4:
            raise SearchRefused("号码太短：请输入完整手机号或手机尾号后四位。")
        if len(compact) == 4:
            return Query("last4", compact)
        phone = normalize_mobile(compact)
        if phone.e164:
            return Query("mobile", phone.e164)
        return Query("text", compact)  # a card number or account id made of digits
    if _CODE.match(compact):
        return Query("code", compact.upper())
    return Query("text", text)


def _matching(query: Query) -> QuerySet:
    members = Member.objects.all()
    if query.kind == "mobile":
        return members.filter(mobile=query.value)
    if query.kind == "last4":
        return members.annotate(last4=Right("mobile", 4)).filter(last4=query.value)
    if query.kind == "masked":
        return members.annotate(last4=Right("mobile", 4)).filter(
            last4=query.value, mobile__startswith=f"+86{query.prefix}")
    if query.kind == "code":
        return members.filter(code=query.value)
    # kind IN (all kinds) lets the (kind, value) unique index serve a lookup by value alone.
    by_account = Identity.objects.filter(kind__in=IdentifierKind.values, value=query.value).values("member_id")
    return members.filter(pk__in=by_account) | members.filter(name__startswith=query.value)


def search(user, raw: str) -> tuple[Query, list[Member]]:
    """Members in `user`'s scope matching `raw`, with what a result line shows."""
    query = parse(raw)
    level = MemberLevel.objects.filter(member_id=OuterRef("pk"), member_role__status=RoleStatus.ACTIVE)
    rows = (
        scoped_members(user, _matching(query), resolved=True)
        .annotate(
            level_names=ArraySubquery(level.order_by("scheme_id").values("level__name")),
            last_order=Subquery(MemberMetrics.objects.filter(member_id=OuterRef("pk")).values("last_order_date")),
        )
        .only("pk", "code", "name", "mobile", "gender", "city", "district")
        .order_by("name", "pk")[:LIMIT]
    )
    return query, list(rows)
