"""Login lockout (django-axes): who the client is, and what a locked-out person sees.

Limits live in settings (AXES_*): failures are counted per username + client IP, the lockout
lasts AXES_COOLOFF_TIME, a successful login clears the count.
"""

from django.conf import settings
from django.shortcuts import render


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return f"登录失败次数过多，该账号在此地址已被锁定 {cool_off_minutes()} 分钟，请稍后再试或联系管理员解锁。"


def client_ip(request) -> str | None:
    """The client's address. Behind LOGIN_LOCKOUT_PROXY_COUNT trusted reverse proxies it is the entry
    that many places from the right of X-Forwarded-For (the last proxy's REMOTE_ADDR is the proxy itself,
    and entries further left can be forged by the client)."""
    proxies = settings.LOGIN_LOCKOUT_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    # The API has already answered 429 in its own JSON shape (config.authentication); keep it.
    if original_response is not None and request.path.startswith("/api/"):
        return original_response
    return render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
