"""REST: tag categories and tags, a member's tags with the why of each, and putting static tags on
and taking them off one or many members with an Idempotency-Key (views.py)."""

from .views import MemberTagsViewSet, TagCategoryViewSet, TagViewSet

__all__ = ["MemberTagsViewSet", "TagCategoryViewSet", "TagViewSet"]
