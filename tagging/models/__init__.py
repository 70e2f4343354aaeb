from .memberships import TagChange, TagMembership
from .requests import TagApiRequest
from .runs import RunStatus, TagRefreshRun
from .tags import Tag, TagCategory, TagKind

__all__ = ["Tag", "TagCategory", "TagKind", "TagChange", "TagMembership", "RunStatus", "TagRefreshRun", "TagApiRequest"]
