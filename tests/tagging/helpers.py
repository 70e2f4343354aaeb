"""Shared givens for the tagging tests."""

from tagging.models import Tag, TagCategory, TagKind


def a_tag(code="vip", *, kind=TagKind.STATIC, guide_usable=False, active=True, **fields) -> Tag:
    category, _ = TagCategory.objects.get_or_create(code="ops", defaults={"name": "门店运营"})
    return Tag.objects.create(code=code, name=fields.pop("name", code.upper()), category=category, kind=kind,
                              guide_usable=guide_usable, active=active, **fields)


def tag_codes(member) -> set[str]:
    return set(member.tag_memberships.values_list("tag__code", flat=True))
