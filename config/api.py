"""The REST API router; each app adds its viewsets here."""

from rest_framework.routers import DefaultRouter

from loyalty.api import LedgerEntryViewSet, MemberPointsViewSet, PointsAccountViewSet
from loyalty.levels.api import MemberLevelsViewSet
from members.api import MemberViewSet

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
router.register("loyalty/members", MemberPointsViewSet, basename="loyalty-member")
router.register("loyalty/accounts", PointsAccountViewSet, basename="loyalty-account")
router.register("loyalty/entries", LedgerEntryViewSet, basename="loyalty-entry")
router.register("loyalty/levels", MemberLevelsViewSet, basename="loyalty-levels")
