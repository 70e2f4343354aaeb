"""The REST API router; each app adds its viewsets here."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from core.views import API_NOT_FOUND
from insights.api import SegmentViewSet
from loyalty.api import LedgerEntryViewSet, MemberPointsViewSet, PointsAccountViewSet
from loyalty.levels.api import MemberLevelsViewSet
from members.api import MemberViewSet
from members.conditions.api import ConditionViewSet
from tagging.api import MemberTagsViewSet, TagCategoryViewSet, TagViewSet
from workspace.api import WorkspaceViewSet

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
router.register("loyalty/members", MemberPointsViewSet, basename="loyalty-member")
router.register("loyalty/accounts", PointsAccountViewSet, basename="loyalty-account")
router.register("loyalty/entries", LedgerEntryViewSet, basename="loyalty-entry")
router.register("loyalty/levels", MemberLevelsViewSet, basename="loyalty-levels")
router.register("tags/categories", TagCategoryViewSet, basename="tag-category")
router.register("tags/members", MemberTagsViewSet, basename="tag-member")
router.register("tags", TagViewSet, basename="tag")
router.register("conditions", ConditionViewSet, basename="condition")
router.register("segments", SegmentViewSet, basename="segment")
router.register("workspace/members", WorkspaceViewSet, basename="workspace-member")


@csrf_exempt  # writes nothing; without it a POST would get the CSRF middleware's HTML 403
def api_not_found(request, *args, **kwargs):
    """Any /api/ path no route matches (e.g. /api/loyalty/accounts/0.5/): JSON, like every API error."""
    return JsonResponse({"detail": API_NOT_FOUND}, status=404)
