"""The Idempotency-Key header every retry-safe write of the API takes: documented once, read once."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

MAX_KEY_LENGTH = 80
# The view strips the key and takes 1–80 characters: whitespace only is refused.
IDEMPOTENCY_KEY_PATTERN = r"^\s*\S(.{0,78}\S)?\s*$"


def idempotency_header(description: str) -> OpenApiParameter:
    return OpenApiParameter(name="Idempotency-Key", type=OpenApiTypes.STR, location=OpenApiParameter.HEADER,
                            required=True, pattern=IDEMPOTENCY_KEY_PATTERN, description=description)


def read_idempotency_key(request) -> tuple[str, Response | None]:
    """The stripped key, or the 400 answer for a missing or too long one."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return key, Response({"detail": "缺少 Idempotency-Key 请求头。", "code": "idempotency_key_required"},
                             status=status.HTTP_400_BAD_REQUEST)
    if len(key) > MAX_KEY_LENGTH:
        return key, Response({"detail": f"Idempotency-Key 不能超过 {MAX_KEY_LENGTH} 个字符。"},
                             status=status.HTTP_400_BAD_REQUEST)
    return key, None
