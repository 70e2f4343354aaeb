"""The workspace card and search for a WeChat Work sidebar or a POS: the same data as the pages,
scoped (members/scope.py: outside the scope is 404) and masked for the caller."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from core.api_errors import bad_request

from . import selectors
from .card import assemble
from .search import SearchRefused, search


class UsesWorkspace(BasePermission):
    message = "没有使用导购工作台的权限。"

    def has_permission(self, request, view):
        return request.user.has_perm("workspace.use_workspace")


def jsonable(value):
    """Card data as JSON: money and scores as exact strings, dates as ISO text, dataclasses as dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


class CardSerializer(serializers.Serializer):
    profile = serializers.JSONField(help_text="基本信息：姓名、脱敏手机号、性别、年龄、生日、地区（到区县）、门店、专属导购、授权")
    levels = serializers.JSONField(required=False, help_text="各角色的等级、升级差距（如 再消费 ¥380 升级金卡）与权益")
    points = serializers.JSONField(required=False, help_text="各积分账户余额与 60 天内到期的积分")
    habits = serializers.JSONField(required=False, help_text="近一年消费、偏好品类与门店、购买间隔")
    tags = serializers.JSONField(required=False, help_text="标签（id 为打标记录编号，原因见页面）")
    values = serializers.JSONField(required=False, help_text="价值模型：RFM、活跃度、CLV、自定义模型的分层与原因")
    portrait = serializers.JSONField(help_text="文字画像：sentences（text, fields）与 actions（text, score, fields）")
    timeline = serializers.JSONField(help_text="时间线第一页：entries、page、has_next")

    class Meta:
        ref_name = "WorkspaceCard"


class SearchResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    mobile = serializers.CharField(help_text="无查看完整号码权限时为脱敏号码")
    levels = serializers.ListField(child=serializers.CharField())
    last_order_date = serializers.DateField(allow_null=True)


class SearchSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="mobile / last4 / masked / code / text")
    results = SearchResultSerializer(many=True)

    class Meta:
        ref_name = "WorkspaceSearch"


class WorkspaceViewSet(viewsets.ViewSet):
    """The guide's member card and search."""

    permission_classes = [IsAuthenticated, UsesWorkspace]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses={200: CardSerializer}, parameters=[
        OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="会员编号"),
    ])
    @action(detail=True, methods=["get"], url_path="card")
    def card(self, request, code=None):
        """The 360° card of one member in the caller's scope (404 outside it, and the attempt is audited)."""
        member = selectors.card_member_for(request.user, code)
        return Response(jsonable(assemble(member, selectors.viewer_for(request.user))))

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True,
                                     description="完整手机号、尾号后四位、脱敏号码、姓名、会员编号或渠道账号")],
        responses={200: SearchSerializer, 400: bad_request("搜索内容无法使用：太短、太长或为空")},
    )
    @action(detail=False, methods=["get"])
    def search(self, request):
        """Members in the caller's scope matching `q` (at most 20)."""
        try:
            query, rows = search(request.user, request.query_params.get("q", ""))
        except SearchRefused as refused:
            return Response({"detail": str(refused)}, status=400)
        viewer = selectors.viewer_for(request.user)
        return Response({"kind": query.kind, "results": [{
            "code": m.code, "name": viewer.shown(m.name), "mobile": viewer.shown_mobile(m.mobile),
            "levels": list(m.level_names), "last_order_date": m.last_order.isoformat() if m.last_order else None,
        } for m in rows]})
