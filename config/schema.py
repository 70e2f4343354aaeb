"""OpenAPI schema: every operation documents the errors it can answer, with their body shape.

DRF answers errors with {"detail": "..."} (plus "code" where a caller branches on the reason) and
validation errors with {"field": ["message", ...]}. The AutoSchema below adds, to every operation,
401 / 403 (authentication and permission), 404 (unknown object or page) and, where a body is sent,
400 and 415; an operation declares any other error (409, a 400 on a query parameter) itself.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
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


COMMON_ERRORS = {
    "401": error("未登录或用户名/密码错误（响应头 WWW-Authenticate: Basic）"),
    "403": error("已登录但没有此操作的权限"),
    "404": error("对象不存在，或页码超出范围"),
}
BODY_ERRORS = {
    "400": bad_request("参数错误：各字段的原因"),
    "415": error("不支持的 Content-Type（请用 application/json）"),
}
LOCKED_OUT = error("登录失败次数过多，账号在此地址已被暂时锁定（响应头 Retry-After）")


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {**COMMON_ERRORS, "429": LOCKED_OUT}
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(BODY_ERRORS)
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
