"""Derive the person's profile from what each channel said (survivorship rules).

Per field: the value from the highest-priority channel wins; within a channel the
most recently seen non-empty value wins. Registered time keeps the oldest, and the
registered channel is the channel of that oldest registration. Because the profile
is always derived, an unmerge can recompute both people exactly.
"""

from datetime import datetime

from django.conf import settings

from members.models import Gender, Member, SourceProfile

_SCALAR_FIELDS = (
    "name", "gender", "birthday", "mobile", "mobile_masked", "email",
    "province", "city", "district", "address", "home_store_id",
)
_EMPTY = (None, "", Gender.UNKNOWN)


def channel_rank(channel: str) -> int:
    order = settings.MEMBERS_CHANNEL_PRIORITY
    return order.index(channel) if channel in order else len(order)


def _precedence(profile: SourceProfile) -> tuple:
    # Lower sorts first: better channel, then most recent, then newest row.
    return (channel_rank(profile.channel), -profile.seen_at.timestamp(), -(profile.pk or 0))


def derive_profile(profiles: list[SourceProfile]) -> dict:
    ordered = sorted(profiles, key=_precedence)
    derived: dict = {}
    for field in _SCALAR_FIELDS:
        value = next((getattr(p, field) for p in ordered if getattr(p, field) not in _EMPTY), None)
        if value is None:
            value = Gender.UNKNOWN if field == "gender" else (None if field in ("birthday", "home_store_id") else "")
        derived[field] = value
    registered = [p for p in profiles if p.registered_at] or list(profiles)
    oldest = min(registered, key=lambda p: (p.registered_at or datetime.max.replace(tzinfo=p.seen_at.tzinfo), p.pk or 0))
    derived["registered_at"] = oldest.registered_at or oldest.seen_at
    derived["registered_channel"] = oldest.channel
    attributes: dict = {}
    for profile in reversed(ordered):  # best last, so its keys win
        attributes.update({k: v for k, v in (profile.attributes or {}).items() if v not in (None, "", [])})
    derived["attributes"] = attributes
    return derived


def recompute_profile(member: Member) -> Member:
    """Rewrite the member's derived fields from its source profiles (no-op without any)."""
    profiles = list(member.source_profiles.all())
    if not profiles:
        return member
    derived = derive_profile(profiles)
    changed = [f for f, v in derived.items() if getattr(member, f) != v]
    for field in changed:
        setattr(member, field, derived[field])
    if changed:
        member.save(update_fields=[*changed, "updated_at"])
    return member
