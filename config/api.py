"""The REST API router; each app adds its viewsets here."""

from rest_framework.routers import DefaultRouter

from members.api import MemberViewSet

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
