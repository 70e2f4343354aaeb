"""REST: validate, count and explain a member condition, and list the fields an editor can offer.

    POST /api/conditions/count/    {"condition": {…}, "as_of": "2026-12-01", "sample": 5} → {"count": N, …}
    POST /api/conditions/explain/  {"condition": {…}, "member_code": "M…"} → each leaf with the member's value
    GET  /api/conditions/fields/   every registered field: key, label, type, operators, window, choices

A bad condition answers 400 in the project's field shape, one message per problem with its path in
the tree: {"condition": ["all[1].any[0].value: 需要数字", …]}. All three read members, so they need
members.view_member (guides hold it); what a guide gets back is masked like the member API.
"""

from datetime import date

from django.db import DataError, transaction
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response

from core.api_errors import bad_request
from members.masking import mask_data, may_reveal, shown_text
from members.models import Member, MemberStatus

from .compiler import count, sample
from .explain import explain
from .operators import LABELS
from .registry import fields as registry
from .tree import ConditionError, parse
from .windows import shanghai_today

# Dates outside this range cannot be business dates of this CRM and would overflow window arithmetic.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
MAX_SAMPLE = 50


class ReadMembers(DjangoModelPermissions):
    """members.view_member for every method: these POSTs compute an answer and write nothing."""

    perms_map = {method: ["%(app_label)s.view_%(model_name)s"] for method in ("GET", "HEAD", "OPTIONS", "POST")}


class ConditionInputSerializer(serializers.Serializer):
    condition = serializers.JSONField(help_text='条件 JSON：{"all"/"any": [...]}、{"not": ...} 或 {"field", "op", "value", "window"}')
    as_of = serializers.DateField(required=False, help_text="计算日期（上海时间），默认今天")

    def validate_condition(self, value):
        try:
            return parse(value)
        except ConditionError as error:
            raise serializers.ValidationError(error.errors) from error

    def validate_as_of(self, value):
        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(f"日期需在 {EARLIEST} 至 {LATEST} 之间。")
        return value


class CountInputSerializer(ConditionInputSerializer):
    sample = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SAMPLE, default=0,
                                      help_text=f"同时返回最多几位符合条件的会员（0–{MAX_SAMPLE}，最新的在前）")


class ExplainInputSerializer(ConditionInputSerializer):
    member_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    member_code = serializers.CharField(required=False, max_length=32, help_text="会员编号（与 member_id 二选一）")

    def validate(self, data):
        if ("member_id" in data) == ("member_code" in data):
            raise serializers.ValidationError({"member_code": ["请提供 member_id 或 member_code 中的一个。"]})
        lookup = {"pk": data["member_id"]} if "member_id" in data else {"code": data["member_code"]}
        member = Member.objects.filter(status=MemberStatus.ACTIVE, **lookup).first()
        if member is None:
            key = "member_id" if "member_id" in data else "member_code"
            raise serializers.ValidationError({key: [f"没有这个会员（或已合并、注销）：{next(iter(lookup.values()))}"]})
        return {**data, "member": member}


class SampleMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, member) -> str:
        return shown_text(member.name, self.context["request"].user)


class CountOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="符合条件的正常状态会员数")
    as_of = serializers.DateField()
    sample = SampleMemberSerializer(many=True, help_text="最多 sample 位符合条件的会员（未请求时为空）")


class ExplanationSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    member_code = serializers.CharField()
    as_of = serializers.DateField()
    active = serializers.BooleanField(help_text="会员是否为正常状态（已合并、注销的会员不符合任何条件）")
    matches = serializers.BooleanField(help_text="会员是否符合整个条件")
    tree = serializers.DictField(help_text="逐层结果：条件组 {path, group, passed, children}；"
                                           "条件 {path, field, label, op, op_label, value, window, actual, passed}")


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class OperatorSerializer(serializers.Serializer):
    op = serializers.CharField()
    label = serializers.CharField()


class FieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    operators = OperatorSerializer(many=True)
    windowed = serializers.BooleanField(help_text="可加时间窗口 window: {last_days} 或 {from, to}")
    choices = ChoiceSerializer(many=True, allow_null=True, help_text="可选值（无固定选项时为 null）")
    help = serializers.CharField()


def _field_row(field) -> dict:
    choices = field.choice_values()
    return {
        "key": field.key, "label": field.label, "type": str(field.type),
        "operators": [{"op": op, "label": LABELS.get(op, op)} for op in field.allowed_operators],
        "windowed": field.windowed, "help": field.help,
        "choices": None if choices is None else [{"value": k, "label": v} for k, v in choices.items()],
    }


CONDITION_ERRORS = bad_request("条件有误：condition 下逐条列出每个错误及其在条件树中的路径，"
                               "如 all[1].any[0].value: 需要数字；或其他字段有误")


def _out_of_range() -> Response:
    # A window of millions of days, a number beyond what PostgreSQL compares: refused, not a 500.
    return Response({"condition": ["条件中的天数、日期或数值超出可计算的范围。"]}, status=status.HTTP_400_BAD_REQUEST)


class ConditionViewSet(viewsets.GenericViewSet):
    """The member condition language for editors and previews: validate, count, explain, list fields."""

    permission_classes = [ReadMembers]
    parser_classes = [JSONParser]  # a condition is JSON; a form would flatten it
    queryset = Member.objects.filter(status=MemberStatus.ACTIVE)
    pagination_class = None

    def get_serializer_class(self):
        # OPTIONS runs as the "metadata" action: it describes the route's own operation.
        operation = next(iter(self.action_map.values()), None) if self.action == "metadata" else self.action
        return {"count": CountInputSerializer, "explain": ExplainInputSerializer}.get(operation, FieldSerializer)

    @extend_schema(request=CountInputSerializer, responses={200: CountOutputSerializer, 400: CONDITION_ERRORS},
                   examples=[OpenApiExample("女性且近一年消费满 1000 元", request_only=True, value={
                       "condition": {"all": [
                           {"field": "member.gender", "op": "eq", "value": "F"},
                           {"field": "orders.paid_amount", "op": "gte", "value": 1000, "window": {"last_days": 365}},
                       ]},
                       "sample": 3,
                   })])
    @action(detail=False, methods=["post"])
    def count(self, request):
        """Validate a condition and count the active members who meet it (optionally with a sample)."""
        data = CountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tree, as_of, size = data.validated_data["condition"], self._as_of(data), data.validated_data["sample"]
        try:
            with transaction.atomic():  # a DataError must not leave the connection's transaction broken
                result = {"count": count(tree, as_of), "as_of": as_of,
                          "sample": sample(tree, size, as_of) if size else []}
        except (OverflowError, DataError):
            return _out_of_range()
        return Response(CountOutputSerializer(result, context={"request": request}).data)

    @extend_schema(request=ExplainInputSerializer, responses={200: ExplanationSerializer, 400: CONDITION_ERRORS})
    @action(detail=False, methods=["post"])
    def explain(self, request):
        """One member against a condition: every leaf with the member's own value and verdict."""
        data = ExplainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = data.validated_data["member"]
        try:
            with transaction.atomic():
                result = explain(data.validated_data["condition"], member, self._as_of(data)).as_dict()
        except (OverflowError, DataError):
            return _out_of_range()
        result = {**result, "member_code": member.code}
        if not may_reveal(request.user):  # leaf values can be free text (custom attributes, titles)
            result["tree"] = mask_data(result["tree"])
        return Response(ExplanationSerializer(result).data)

    @extend_schema(request=None, responses={200: FieldSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def fields(self, request):
        """Every field a condition may name, with its operators (and labels), window and choices."""
        rows = sorted((_field_row(field) for field in registry.all()), key=lambda row: row["key"])
        return Response(FieldSerializer(rows, many=True).data)

    @staticmethod
    def _as_of(data) -> date:
        return data.validated_data.get("as_of") or shanghai_today()
