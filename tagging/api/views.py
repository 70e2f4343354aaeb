"""Tags API views: thin — inputs are checked by the serializers, writes go through tagging.services.

Permissions (Django model permissions of the caller's role): categories need tagging.view_tagcategory,
tags tagging.view_tag, a member's tags tagging.view_tagmembership and members.view_member; putting
on and taking off needs tagging.apply_static_tags (any static tag) or tagging.apply_guide_tags (only
tags marked 导购可用, checked per tag by services.check_may_apply).
"""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core.api_errors import bad_request, error
from core.api_idempotency import idempotency_header, read_idempotency_key
from loyalty.api import needs
from members.models import Member, MemberStatus
from tagging.models import Tag, TagCategory, TagKind
from tagging.services import TaggingError, check_may_apply, put_on, take_off

from . import idempotency
from .serializers import (
    ApplyOutputSerializer,
    MemberTagsSerializer,
    PutOnInputSerializer,
    TagCategorySerializer,
    TagFilter,
    TagSerializer,
    TakeOffInputSerializer,
)
from .why import memberships_of

IDEMPOTENCY_HEADER = idempotency_header(
    "调用方生成的唯一键；同一调用方重复提交同一个键只执行一次，返回第一次的结果；换了请求内容须换新键")


class MayApplyTags(BasePermission):
    """Operators and admins (tagging.apply_static_tags). Store guides put on their 导购可用 tags in the
    workspace, on members of their scope only; the API takes any member, so it is not theirs."""

    message = "没有通过接口为会员打上或取下标签的权限（导购请在导购工作台操作）。"

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("tagging.apply_static_tags"))


class TagCategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Tag categories (标签分类), in their display order."""

    serializer_class = TagCategorySerializer
    queryset = TagCategory.objects.order_by("sort_order", "pk")


APPLY_RESPONSES = {
    201: ApplyOutputSerializer,
    200: OpenApiResponse(ApplyOutputSerializer, description="重复请求（同一幂等键），返回第一次的结果"),
    400: bad_request("未知的标签编码或会员（逐个列出，未做任何更改）、不是可手动打的标签、缺少或过长的 Idempotency-Key、参数错误"),
    403: error("没有权限，或导购使用了未标为「导购可用」的标签"),
    409: error("幂等键已用于另一个请求（code=idempotency_conflict）"),
}


class TagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Tags (filter by kind, category code, active); put a static tag on or take it off members."""

    serializer_class = TagSerializer
    parser_classes = [JSONParser]  # member lists can be long: a form would hit Django's field limit
    queryset = Tag.objects.select_related("category").order_by("category__sort_order", "category_id", "code")
    filterset_class = TagFilter

    def get_permissions(self):
        if self.action in ("put_on", "take_off"):
            return [MayApplyTags()]
        return super().get_permissions()

    @extend_schema(responses={200: TagSerializer(many=True), 400: bad_request("筛选参数无效（如未知的 kind）")})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PutOnInputSerializer, parameters=[IDEMPOTENCY_HEADER], responses=APPLY_RESPONSES)
    @action(detail=False, methods=["post"], url_path="put-on")
    def put_on(self, request):
        """Put a static tag on members (all or none: an unknown member refuses the whole request)."""
        return self._apply(request, PutOnInputSerializer, added=True)

    @extend_schema(request=TakeOffInputSerializer, parameters=[IDEMPOTENCY_HEADER], responses=APPLY_RESPONSES)
    @action(detail=False, methods=["post"], url_path="take-off")
    def take_off(self, request):
        """Take a static tag off members who hold it."""
        return self._apply(request, TakeOffInputSerializer, added=False)

    def _apply(self, request, serializer_class, *, added: bool) -> Response:
        key, refused = read_idempotency_key(request)
        if refused:
            return refused
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        tag = values["tag"]
        try:
            check_may_apply(request.user, tag)
        except TaggingError as refused:
            # A usable tag refused can only be the caller's permission; otherwise the tag's kind or state.
            usable = tag.kind == TagKind.STATIC and tag.active
            return Response({"detail": str(refused)},
                            status=status.HTTP_403_FORBIDDEN if usable else status.HTTP_400_BAD_REQUEST)
        request_print = idempotency.fingerprint({
            "action": "put_on" if added else "take_off", "members": values["members"], "reason": values["reason"],
            "ends_on": values.get("ends_on"),
        })
        try:
            outcome = self._write(request.user, tag, key, request_print, values, added=added)
        except IntegrityError:  # the same key sent for another tag at the same moment
            return self._conflict(idempotency.conflict(key))
        except idempotency.IdempotencyConflict as conflict:
            return self._conflict(conflict)
        body = {"tag": tag.code, "action": "put_on" if added else "take_off", "requested": outcome.requested,
                "changed": len(outcome.changed_member_ids), "changed_member_ids": outcome.changed_member_ids,
                "replayed": outcome.replayed}
        return Response(ApplyOutputSerializer(body).data,
                        status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED)

    @staticmethod
    def _conflict(conflict: Exception) -> Response:
        return Response({"detail": str(conflict), "code": "idempotency_conflict"}, status=status.HTTP_409_CONFLICT)

    @staticmethod
    @transaction.atomic
    def _write(user, tag: Tag, key: str, request_print: str, values: dict, *, added: bool) -> idempotency.Outcome:
        # The tag row locked (NO KEY UPDATE: memberships may still reference it) serializes this
        # caller's retries, so a key is looked up and stamped by one request at a time.
        Tag.objects.select_for_update(no_key=True).filter(pk=tag.pk).first()
        now = timezone.now()
        replay = idempotency.find_replay(tag=tag, actor=user, key=key, request=request_print)
        if replay is not None:
            return replay
        common = {"tag": tag, "member_ids": values["members"], "actor": user, "actor_label": "api",
                  "reason": values["reason"], "now": now}
        if added:
            put_on(**common, ends_on=values["ends_on"])
        else:
            take_off(**common)
        return idempotency.record(tag=tag, actor=user, added=added, at=now, key=key, request=request_print,
                                  requested=len(values["members"]))


class MemberTagsViewSet(viewsets.GenericViewSet):
    """A member's tags, each with why they hold it (by member code)."""

    serializer_class = MemberTagsSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    queryset = Member.objects.filter(status=MemberStatus.ACTIVE)

    def get_permissions(self):
        return [needs("tagging.view_tagmembership")(), needs("members.view_member")()]

    @extend_schema(responses=MemberTagsSerializer)
    def retrieve(self, request, code=None):
        member = get_object_or_404(self.get_queryset(), code=code)
        data = {"member_code": member.code, "tags": memberships_of(member)}
        return Response(MemberTagsSerializer(data, context={"request": request}).data)
