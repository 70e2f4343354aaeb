"""How an API operation documents the errors it answers (OpenAPI, drf-spectacular).

DRF answers errors with {"detail": "..."} (plus "code" where a caller branches on the reason) and
validation errors with {"field": ["message", ...]}. An operation declares its own errors with
`error(...)` / `bad_request(...)` in `extend_schema(responses=...)`; config/schema.py adds the ones
every operation shares.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="原因（中文，可直接展示给操作人员）")
    code = serializers.CharField(required=False, help_text="机器可读的原因代码，如 idempotency_conflict")

    class Meta:
        ref_name = "Error"


class ValidationErrorSerializer(serializers.Serializer):
    """请求无法接受：{"detail": "原因"}，或按字段 {"字段名": ["原因", …], …}。"""

    detail = serializers.CharField(required=False, help_text="整体原因（请求体无法解析、缺少请求头等）")
    code = serializers.CharField(required=False, help_text="机器可读的原因代码，如 insufficient_points")
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        ref_name = "ValidationError"


def error(description: str, serializer=ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


def bad_request(description: str) -> OpenApiResponse:
    return error(description, ValidationErrorSerializer)
