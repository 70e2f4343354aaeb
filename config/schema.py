"""OpenAPI schema: every operation documents the errors it can answer, with their body shape.

The AutoSchema below adds, to every operation, 401 / 403 (authentication and permission), 404
(unknown object or page), 429 (locked out) and, where a body is sent, 400 and 415; an operation
declares any other error (409, a 400 on a query parameter) itself with core/api_errors.py.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from core.api_errors import bad_request, error

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
