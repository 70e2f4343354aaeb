"""REST: a member's level in every role and the benefits they hold now (mini-programs, POS)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from loyalty.api import needs
from members.models import Member, MemberStatus

from .benefits import current_benefits, current_levels


class BenefitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    value = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    description = serializers.CharField()


class RoleLevelSerializer(serializers.Serializer):
    role = serializers.CharField(source="member_role.role_type.code")
    role_name = serializers.CharField(source="member_role.role_type.name")
    scheme = serializers.CharField(source="scheme.code")
    scheme_name = serializers.CharField(source="scheme.name")
    level = serializers.CharField(source="level.code")
    level_name = serializers.CharField(source="level.name")
    rank = serializers.IntegerField(source="level.rank")
    reached_at = serializers.DateTimeField()
    next_review_on = serializers.DateField()
    floor_level = serializers.CharField(source="floor_level.code", allow_null=True, default=None)
    floor_until = serializers.DateField(allow_null=True)


class MemberLevelsSerializer(serializers.Serializer):
    member_code = serializers.CharField()
    levels = RoleLevelSerializer(many=True)
    benefits = BenefitSerializer(many=True)


class MemberLevelsViewSet(viewsets.GenericViewSet):
    """A member's levels (one per role and scheme) and current benefits, by member code."""

    permission_classes = [needs("loyalty.view_memberlevel")]
    serializer_class = MemberLevelsSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    queryset = Member.objects.filter(status=MemberStatus.ACTIVE)

    @extend_schema(responses=MemberLevelsSerializer)
    def retrieve(self, request, code=None):
        member = get_object_or_404(self.get_queryset(), code=code)
        data = {"member_code": member.code, "levels": current_levels(member.pk),
                "benefits": current_benefits(member.pk)}
        return Response(MemberLevelsSerializer(data).data)
