"""REST: segments — CRUD, count, portrait (optionally compared), members (paginated, masked), snapshot.

    GET/POST        /api/segments/                 list / create {name, condition, description, active}
    GET/PUT/PATCH/DELETE /api/segments/{id}/
    GET             /api/segments/{id}/count/      {"count": N, "as_of": …}
    GET             /api/segments/{id}/portrait/   ?compare=all|{other id}
    GET             /api/segments/{id}/members/    ?page=…  code, name, masked mobile, city, metrics
    POST            /api/segments/{id}/snapshot/   {"purpose": "…"} → the frozen list's id and size

A bad condition answers 400 with each problem and its path: {"condition": ["all[1].value: 需要数字"]}.
Permissions: the model permissions of insights.Segment (运营 and 管理员 hold them; 导购 do not).
"""

from django.db import transaction
from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response

from members.cleaning import mask_mobile
from members.conditions.compiler import set_based_session
from members.conditions.windows import shanghai_today
from members.masking import may_reveal, shown_text

from .errors import InsightsError
from .models import Segment, SegmentSize
from .segments.compare import compare
from .segments.portrait import portrait
from .segments.services import check_condition, count_segment, save_segment, segment_members, take_snapshot


class ReadIsView(DjangoModelPermissions):
    """GET needs insights.view_segment (DRF's default lets any signed-in user read)."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"],
                 "HEAD": ["%(app_label)s.view_%(model_name)s"]}


class SegmentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    latest_size = serializers.SerializerMethodField(help_text="最近一次每日统计的人数（尚未统计为 null）")

    class Meta:
        model = Segment
        fields = ("id", "name", "description", "condition", "active", "owner", "latest_size", "created_at",
                  "updated_at")
        read_only_fields = ("id", "owner", "latest_size", "created_at", "updated_at")

    def get_latest_size(self, segment) -> int | None:
        if hasattr(segment, "latest_size"):  # annotated by the viewset: one query for the whole list
            return segment.latest_size
        latest = segment.sizes.order_by("-as_of").first()
        return latest.members if latest else None

    def validate(self, data):
        if "condition" in data or self.instance is None:
            try:
                check_condition(data.get("condition"))
            except InsightsError as error:
                raise ValidationError({"condition": error.errors}) from error
        return data

    def create(self, data):
        return self._save(None, data)

    def update(self, segment, data):
        return self._save(segment, data)

    def _save(self, segment, data):
        current = segment or Segment()
        try:
            return save_segment(segment=segment, owner=self.context["request"].user,
                                name=data.get("name", current.name), condition=data.get("condition", current.condition),
                                description=data.get("description", current.description),
                                active=data.get("active", current.active if segment else True))
        except InsightsError as error:
            raise ValidationError({"name": error.errors}) from error


class SegmentMemberSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField(help_text="无 members.reveal_phone 权限时为脱敏号码")
    city = serializers.CharField()
    orders_365d = serializers.IntegerField(source="metrics.orders_365d", default=0)
    paid_365d = serializers.DecimalField(source="metrics.paid_365d", max_digits=14, decimal_places=2, default=0)
    last_order_date = serializers.DateField(source="metrics.last_order_date", default=None)

    def get_name(self, member) -> str:
        return shown_text(member.name, self.context["request"].user)

    def get_mobile(self, member) -> str:
        if may_reveal(self.context["request"].user):
            return member.mobile
        return mask_mobile(member.mobile) if member.mobile else ""


class MembersPage(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class SegmentViewSet(viewsets.ModelViewSet):
    queryset = Segment.objects.select_related("owner").annotate(latest_size=Subquery(
        SegmentSize.objects.filter(segment=OuterRef("pk")).order_by("-as_of").values("members")[:1])).order_by("name")
    serializer_class = SegmentSerializer
    permission_classes = [ReadIsView]

    @extend_schema(responses={200: {"type": "object", "properties": {"count": {"type": "integer"},
                                                                    "as_of": {"type": "string"}}}})
    @action(detail=True, methods=["get"])
    def count(self, request, pk=None):
        """The active members in the segment now."""
        return Response({"count": count_segment(self.get_object()), "as_of": shanghai_today()})

    @extend_schema(parameters=[OpenApiParameter("compare", str, description="all（全部会员）或另一个人群的 id")],
                   responses={200: dict})
    @action(detail=True, methods=["get"])
    def portrait(self, request, pk=None):
        """Size, share and each dimension's distribution; with ?compare, both sides and the differences."""
        segment = self.get_object()
        with set_based_session():
            ours = portrait(segment_members(segment))
            other = self._compared(request.query_params.get("compare"))
        body = {"segment": segment.pk, "as_of": ours.as_of, "size": ours.size, "total": ours.total,
                "share": round(ours.share, 4),
                "dimensions": [{"key": d.key, "title": d.title, "many": d.many,
                                "rows": [{"label": label, "members": n} for label, n in d.rows]}
                               for d in ours.dimensions]}
        if other is not None:
            body["compare"] = [{"key": d.key, "title": d.title, "rows": [vars(row) | {"notable": row.notable}
                                                                      for row in d.rows]}
                               for d in compare(ours, other)]
        return Response(body)

    def _compared(self, value):
        if not value:
            return None
        if value == "all":
            return portrait(None)
        other = Segment.objects.filter(pk=int(value) if value.isdigit() else 0).first()
        if other is None:
            raise ValidationError({"compare": [f"没有这个人群：{value}（可填 all 或人群 id）"]})
        return portrait(segment_members(other))

    @extend_schema(responses={200: SegmentMemberSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        """The segment's members, newest first, paginated; phones masked unless reveal_phone."""
        with transaction.atomic():
            found = segment_members(self.get_object()).select_related("metrics").order_by("-pk")
            paginator = MembersPage()
            page = paginator.paginate_queryset(found, request, view=self)
            data = SegmentMemberSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request={"application/json": {"type": "object", "properties": {"purpose": {"type": "string"}}}},
                   responses={201: dict})
    @action(detail=True, methods=["post"])
    def snapshot(self, request, pk=None):
        """Freeze the segment's members now (for a campaign or an export)."""
        snapshot = take_snapshot(self.get_object(), purpose=str(request.data.get("purpose", ""))[:128],
                                 user=request.user)
        return Response({"snapshot": snapshot.pk, "as_of": snapshot.as_of, "members": snapshot.members},
                        status=status.HTTP_201_CREATED)
