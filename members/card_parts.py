"""What members adds to the member card (members/card.py): the header and its timeline rows.

The header reads only the member row loaded by `card_members()`, whose annotations bring the
exclusive guide, the consent in force and the channel accounts in the same statement.
Addresses stop at the district (PIPL: minimal for a guide); phones follow `viewer.reveal_phone`.
"""

from datetime import date

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, JSONObject

from .card import CardSection, TimelineSource, Viewer, card_sections, timeline_row, timeline_sources
from .conditions.operators import occurrence
from .conditions.profile_fields import age_on as years_on
from .models import (
    Channel,
    ConsentChannel,
    ConsentRecord,
    ConsentStatus,
    Gender,
    GuideBinding,
    IdentifierKind,
    Identity,
    Member,
    Order,
    OrderLine,
    OrderStatus,
    StaffStore,
)

SHOWN_ACCOUNTS = (IdentifierKind.TMALL_NICK, IdentifierKind.TMALL_OUID, IdentifierKind.JD_ACCOUNT,
                  IdentifierKind.WECHAT_UNIONID, IdentifierKind.POS_CARD, IdentifierKind.MALL_USER,
                  IdentifierKind.EXTERNAL_ID)


def card_members(viewer_user_id: int | None = None) -> QuerySet:
    """Members with what the card header needs, in one statement; with `viewer_user_id`, also
    whether that staff user works in a store that lets guides bind members to themselves."""
    binding = GuideBinding.objects.filter(member_id=OuterRef("pk"), ended_at__isnull=True)
    consent = ConsentRecord.objects.filter(member_id=OuterRef("pk"), channel=ConsentChannel.SMS)
    may_bind = StaffStore.objects.filter(user_id=viewer_user_id, store__guides_may_bind=True)
    return Member.objects.select_related("home_store").annotate(
        viewer_may_bind=Exists(may_bind) if viewer_user_id else Value(False),
        guide_id=Subquery(binding.values("guide_id")[:1]),
        guide_name=Subquery(binding.annotate(
            label=Coalesce(F("guide__first_name"), F("guide__username"))
        ).values("label")[:1]),
        guide_since=Subquery(binding.values("bound_at")[:1]),
        sms_consent=Subquery(consent.order_by("-recorded_at", "-id").values("status")[:1]),
        sms_consent_at=Subquery(consent.order_by("-recorded_at", "-id").values("recorded_at")[:1]),
        accounts=ArraySubquery(
            Identity.objects.filter(member_id=OuterRef("pk"), kind__in=SHOWN_ACCOUNTS)
            .order_by("kind", "value").values(json=JSONObject(kind="kind", value="value", channel="channel"))
        ),
    )


def age_on(birthday: date | None, today: date) -> int | None:
    """Whole years (the conditions' member.age); None when unknown or not a plausible customer's age."""
    if birthday is None or birthday > today:
        return None
    years = years_on(birthday, today)
    return years if 0 < years < 120 else None


def next_birthday(birthday: date | None, today: date) -> date | None:
    """The next birthday on or after `today` (29 February falls on 28 February in other years)."""
    if birthday is None:
        return None
    this_year = occurrence(birthday, today.year)
    return this_year if this_year >= today else occurrence(birthday, today.year + 1)


def profile(member, viewer: Viewer) -> dict:
    birthday_next = next_birthday(member.birthday, viewer.today)
    store = member.home_store
    consent = getattr(member, "sms_consent", None)
    return {
        "code": member.code,
        "name": viewer.shown(member.name),
        "mobile": viewer.shown_mobile(member.mobile),
        "mobile_masked": not viewer.reveal_phone and bool(member.mobile),
        "gender": member.gender if member.gender != Gender.UNKNOWN else "",
        "gender_label": Gender(member.gender).label if member.gender != Gender.UNKNOWN else "",
        "age": age_on(member.birthday, viewer.today),
        "birthday": member.birthday,
        "next_birthday": birthday_next,
        "days_to_birthday": (birthday_next - viewer.today).days if birthday_next else None,
        "province": member.province, "city": member.city, "district": member.district,
        "registered_channel": Channel(member.registered_channel).label if member.registered_channel else "",
        "registered_at": member.registered_at,
        "home_store": {"code": store.code, "name": store.name} if store else None,
        "guide": {"id": member.guide_id, "name": member.guide_name, "since": member.guide_since}
        if getattr(member, "guide_id", None) else None,
        "sms_consent": consent or "",
        "sms_consent_label": ConsentStatus(consent).label if consent else "未记录",
        "sms_consent_at": getattr(member, "sms_consent_at", None),
        "accounts": [
            {"kind": a["kind"], "kind_label": IdentifierKind(a["kind"]).label,
             "value": viewer.shown(a["value"])}
            for a in (getattr(member, "accounts", None) or [])
        ],
    }


def _order_rows(member_id: int) -> QuerySet:
    lines = OrderLine.objects.filter(order_id=OuterRef("pk")).order_by("line_no").values(
        json=JSONObject(title="title", category="category", quantity="quantity",
                        price=Cast("price", CharField()))
    )[:5]
    return timeline_row(
        Order.objects.filter(member_id=member_id, is_deleted=False), kind="order",
        at=Coalesce("ordered_at", "paid_at", "created_at"),
        channel="channel", no="external_no", status="status", store="store__name", shop="shop_name",
        paid=Cast("paid_amount", CharField()), refunded=Cast("refunded_amount", CharField()),
        items="item_count", lines=ArraySubquery(lines),
    )


def _describe_order(data: dict, viewer: Viewer) -> dict:
    where = data.get("store") or data.get("shop") or Channel(data["channel"]).label
    refunded = data.get("refunded") or "0"
    lines = "、".join(
        f"{line['title'] or line['category'] or '商品'}×{line['quantity']}" for line in data.get("lines") or []
    )
    detail = lines + (f"；退款 ¥{refunded}" if refunded not in ("0", "0.00") else "")
    return {
        "title": f"{Channel(data['channel']).label} · {where} · {OrderStatus(data['status']).label}",
        "detail": viewer.shown(detail),
        "amount": f"¥{data['paid']}",
        "extra": {"order_no": data["no"]},
    }


def _consent_rows(member_id: int) -> QuerySet:
    return timeline_row(
        ConsentRecord.objects.filter(member_id=member_id), kind="consent", at="recorded_at",
        channel="channel", status="status", source="source", actor="actor__username",
    )


def _describe_consent(data: dict, viewer: Viewer) -> dict:
    return {
        "title": f"{ConsentChannel(data['channel']).label}营销授权：{ConsentStatus(data['status']).label}",
        "detail": viewer.shown(data.get("source") or ""),
        "actor": data.get("actor") or "",
    }


def register() -> None:
    card_sections.connect(CardSection("profile", "基本信息", 10, profile))
    timeline_sources.connect(TimelineSource("order", "订单", _order_rows, _describe_order))
    timeline_sources.connect(TimelineSource("consent", "授权", _consent_rows, _describe_consent))
