from .memberships import TagChange, TagMembership
from .tags import Tag, TagCategory, TagKind

__all__ = ["Tag", "TagCategory", "TagKind", "TagChange", "TagMembership"]
