from .memberships import TagChange, TagMembership
from .runs import RunStatus, TagRefreshRun
from .tags import Tag, TagCategory, TagKind

__all__ = ["Tag", "TagCategory", "TagKind", "TagChange", "TagMembership", "RunStatus", "TagRefreshRun"]
