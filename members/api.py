"""REST endpoints for mini-programs, POS and integrations."""

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api_errors import bad_request
from members.cleaning import mask_mobile, normalize_identifier
from members.masking import mask_data, may_reveal, shown_text
from members.models import Channel, IdentifierKind, Member, MemberStatus
from members.services import IncomingRecord, MembersError, resolve_record


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    attributes = serializers.SerializerMethodField()
    home_store = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Member
        fields = [
            "code", "name", "gender", "birthday", "mobile", "email", "province", "city", "district",
            "registered_channel", "registered_at", "home_store", "status", "attributes",
        ]

    def get_mobile(self, member) -> str:
        user = self.context["request"].user
        if member.mobile and user.has_perm("members.reveal_phone"):
            return member.mobile
        return mask_mobile(member.mobile) if member.mobile else member.mobile_masked

    def get_name(self, member) -> str:
        # An imported name is free text: a phone typed into it is masked like any other.
        return shown_text(member.name, self.context["request"].user)

    def get_email(self, member) -> str:
        return shown_text(member.email, self.context["request"].user)

    def get_attributes(self, member) -> dict:
        # Imported custom attributes are free text: phones and e-mails in them are masked.
        return member.attributes if may_reveal(self.context["request"].user) else mask_data(member.attributes)


class ResolveInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=128)
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    gender = serializers.CharField(required=False, allow_blank=True, max_length=8)
    birthday = serializers.CharField(required=False, allow_blank=True, max_length=32)
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=32)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    province = serializers.CharField(required=False, allow_blank=True, max_length=32)
    city = serializers.CharField(required=False, allow_blank=True, max_length=32)
    district = serializers.CharField(required=False, allow_blank=True, max_length=32)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    store_code = serializers.CharField(required=False, allow_blank=True, max_length=32)
    identifiers = serializers.DictField(child=serializers.CharField(max_length=191), required=False)

    def validate_identifiers(self, value):
        unknown = sorted(set(value) - set(IdentifierKind.values))
        if unknown:
            raise serializers.ValidationError(f"未知的标识类型: {', '.join(unknown)}")
        return value


class ResolveOutputSerializer(serializers.Serializer):
    member = MemberSerializer()
    created = serializers.BooleanField()
    merged_codes = serializers.ListField(child=serializers.CharField())
    queued_for_review = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("q", OpenApiTypes.STR, description="会员编号、手机号（任意常见写法）或任一身份标识的值"),
]))
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Look up people by code, mobile or any identifier; resolve a channel account to a person."""

    serializer_class = MemberSerializer
    lookup_field = "code"
    queryset = Member.objects.filter(status=MemberStatus.ACTIVE).select_related("home_store").order_by("pk")

    def get_queryset(self):
        queryset = super().get_queryset()
        query = self.request.query_params.get("q", "").strip()
        if query:
            mobile = normalize_identifier("mobile", query)
            match = Q(code=query) | Q(identities__value=query)
            if mobile:
                match |= Q(identities__kind="mobile", identities__value=mobile)
            queryset = queryset.filter(match).distinct()
        return queryset

    @extend_schema(request=ResolveInputSerializer, responses={
        201: OpenApiResponse(ResolveOutputSerializer, description="新登记了一个人"),
        200: OpenApiResponse(ResolveOutputSerializer, description="识别为已有的人（可能合并了其他档案）"),
        400: bad_request("参数错误，或没有可用于识别会员的标识"),
    })
    @action(detail=False, methods=["post"])
    def resolve(self, request):
        """Register or identify a person from one channel account (mini-program login, POS card)."""
        if not request.user.has_perm("members.add_member"):
            return Response({"detail": "没有登记会员的权限。"}, status=status.HTTP_403_FORBIDDEN)
        data = ResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = resolve_record(IncomingRecord(**data.validated_data), actor=request.user, actor_label="api")
        except MembersError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        out = ResolveOutputSerializer(
            {
                "member": result.member,
                "created": result.created,
                "merged_codes": [m.absorbed.code for m in result.merges],
                "queued_for_review": len(result.queued),
                "notes": [shown_text(note, request.user) for note in result.notes],
            },
            context={"request": request},
        )
        return Response(out.data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
