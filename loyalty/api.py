"""REST endpoints for points: balances and ledger for mini-programs and POS, redeem and reverse.

Permissions (Django model permissions of the caller's role): reading accounts needs
loyalty.view_pointsaccount, reading entries loyalty.view_ledgerentry, redeeming
loyalty.redeem_points and reversing loyalty.reverse_redemption.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core.api_errors import bad_request, error
from core.api_idempotency import idempotency_header, read_idempotency_key
from members.masking import shown_text
from members.models import Member, MemberStatus

from .errors import IdempotencyConflict, InsufficientPoints, LoyaltyError
from .models import EntryKind, LedgerEntry, PointsAccount
from .selectors import member_points
from .services import redeem, reverse_redeem

IDEMPOTENCY_HEADER = idempotency_header(
    "调用方生成的唯一键（如 POS 流水号）；同一账户重复提交同一个键只扣一次，返回第一次的结果")


def needs(permission: str) -> type[BasePermission]:
    class _Needs(BasePermission):
        message = "没有权限执行此操作。"

        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(permission))

    _Needs.__name__ = f"Needs_{permission.replace('.', '_')}"
    return _Needs


class EntrySerializer(serializers.ModelSerializer):
    reason = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    order_no = serializers.CharField(source="order.external_no", read_only=True, default=None, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "account", "kind", "kind_display", "amount", "pending_delta", "lifetime_delta", "unrecovered",
                  "order_no", "related_entry", "reason", "actor_label", "occurred_at", "created_at"]

    def get_reason(self, entry) -> str:
        # Staff type reasons such as "礼品寄至 139…": masked unless the caller may see phones.
        request = self.context.get("request")
        return shown_text(entry.reason, request.user if request else None)


class AccountSerializer(serializers.ModelSerializer):
    member_code = serializers.CharField(source="member.code", read_only=True)
    role_type = serializers.CharField(source="member_role.role_type.code", read_only=True)
    role_name = serializers.CharField(source="member_role.role_type.name", read_only=True)
    account_type = serializers.CharField(source="account_type.code", read_only=True)
    account_name = serializers.CharField(source="account_type.name", read_only=True)

    class Meta:
        model = PointsAccount
        fields = ["id", "member_code", "role_type", "role_name", "account_type", "account_name", "status",
                  "available", "pending", "lifetime_earned", "updated_at"]


class NextExpirySerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField()
    points = serializers.IntegerField()


class AccountSummarySerializer(serializers.Serializer):
    account = AccountSerializer()
    next_expiry = NextExpirySerializer(allow_null=True)
    recent_entries = EntrySerializer(many=True, source="entries")


class MemberPointsSerializer(serializers.Serializer):
    member_code = serializers.CharField()
    accounts = AccountSummarySerializer(many=True)


class RedeemInputSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=1, max_value=100_000_000, help_text="兑换的积分数（正整数）")
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, help_text="如 兑换礼品 / 抵扣订单号")


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class PostingSerializer(serializers.Serializer):
    entry = EntrySerializer()
    account = AccountSerializer()
    replayed = serializers.BooleanField(help_text="true：重复请求，返回的是第一次的结果，没有再次记账")


def _error(error: LoyaltyError) -> Response:
    if isinstance(error, IdempotencyConflict):
        return Response({"detail": str(error), "code": "idempotency_conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(error, InsufficientPoints):
        return Response({"detail": str(error), "code": "insufficient_points"}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": str(error), "code": "rejected"}, status=status.HTTP_400_BAD_REQUEST)


def _posting(entry: LedgerEntry, request) -> Response:
    replay = bool(getattr(entry, "replayed", False))
    account = PointsAccount.objects.select_related("member", "account_type", "member_role__role_type").get(
        pk=entry.account_id
    )
    data = PostingSerializer({"entry": entry, "account": account, "replayed": replay}, context={"request": request})
    return Response(data.data, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)


class MemberPointsViewSet(viewsets.GenericViewSet):
    """A member's points: every account with balances, the next expiry and the latest entries."""

    permission_classes = [needs("loyalty.view_pointsaccount")]
    serializer_class = MemberPointsSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    queryset = Member.objects.filter(status=MemberStatus.ACTIVE)

    @extend_schema(responses={200: MemberPointsSerializer, 400: bad_request("recent 不是 1–50 的整数")},
                   parameters=[OpenApiParameter("recent", OpenApiTypes.INT, description="每个账户返回的最近流水条数（默认 10，最多 50）")])
    def retrieve(self, request, code=None):
        member = get_object_or_404(self.get_queryset(), code=code)
        try:
            recent = max(1, min(int(request.query_params.get("recent", 10)), 50))
        except ValueError:
            return Response({"detail": "recent 必须是 1–50 的整数。"}, status=status.HTTP_400_BAD_REQUEST)
        summary = {"member_code": member.code, "accounts": member_points(member, recent=recent)}
        return Response(MemberPointsSerializer(summary, context={"request": request}).data)


class PointsAccountViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One account: balances, its ledger (paginated) and redemption."""

    serializer_class = AccountSerializer
    queryset = PointsAccount.objects.select_related("member", "account_type", "member_role__role_type").order_by("pk")

    def get_permissions(self):
        permission = {"entries": "loyalty.view_ledgerentry", "redeem": "loyalty.redeem_points"}.get(
            self.action, "loyalty.view_pointsaccount"
        )
        return [needs(permission)()]

    @extend_schema(responses=EntrySerializer(many=True))  # paginated by drf-spectacular
    @action(detail=True, methods=["get"])
    def entries(self, request, pk=None):
        """The account's ledger, newest first."""
        account = self.get_object()
        entries = LedgerEntry.objects.filter(account=account).select_related("order").order_by("-occurred_at", "-pk")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(EntrySerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        request=RedeemInputSerializer, parameters=[IDEMPOTENCY_HEADER],
        responses={201: PostingSerializer, 200: OpenApiResponse(PostingSerializer, description="重复请求（同一幂等键）"),
                   400: bad_request("积分不足（code=insufficient_points）、缺少或过长的 Idempotency-Key、参数错误"),
                   409: error("幂等键已用于其他操作（code=idempotency_conflict）")},
    )
    @action(detail=True, methods=["post"])
    def redeem(self, request, pk=None):
        """Spend points (nearest expiry first). Send an Idempotency-Key header: a retry never spends twice."""
        key, refused = read_idempotency_key(request)
        if refused:
            return refused
        data = RedeemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = self.get_object()
        try:
            entry = redeem(account=account, points=data.validated_data["points"], idempotency_key=f"api:{key}",
                           reason=data.validated_data.get("reason", ""), actor=request.user, actor_label="api")
        except LoyaltyError as error:
            return _error(error)
        return _posting(entry, request)


class LedgerEntryViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One ledger entry; reversing a redemption gives the points back to the lots it used."""

    serializer_class = EntrySerializer
    queryset = LedgerEntry.objects.select_related("order").order_by("pk")

    def get_permissions(self):
        permission = "loyalty.reverse_redemption" if self.action == "reverse" else "loyalty.view_ledgerentry"
        return [needs(permission)()]

    @extend_schema(request=ReverseInputSerializer,
                   responses={201: PostingSerializer, 200: OpenApiResponse(PostingSerializer, description="已撤销过"),
                              400: bad_request("不是兑换流水，或参数错误")})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse a redemption (idempotent: a second call returns the first reversal)."""
        entry = self.get_object()
        if entry.kind != EntryKind.REDEEM:
            return Response({"detail": f"只能撤销兑换流水，这笔是「{entry.get_kind_display()}」。"},
                            status=status.HTTP_400_BAD_REQUEST)
        data = ReverseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reversal = reverse_redeem(entry=entry, reason=data.validated_data.get("reason", ""), actor=request.user,
                                      actor_label="api")
        except LoyaltyError as error:
            return _error(error)
        return _posting(reversal, request)
