"""Assets the staff pages share, and the error pages."""

from functools import cache

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_GET


@cache
def _plotly_bundle() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode()


@require_GET
def plotly_js(request):
    """plotly.js from the installed plotly package: the same version the figures are built with,
    and no CDN (the staff pages must work on a network without one)."""
    response = HttpResponse(_plotly_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# ---------------------------------------------------------------- error pages (config/urls.py handler403/404/500)
# Staff pages get Chinese pages with the navigation; /api/ keeps answering JSON {"detail": ...} like every
# API error (config/api.py), so a client never has to parse an HTML page.

API_NOT_FOUND = "没有这个接口或对象，请检查地址和编号。"
API_FORBIDDEN = "没有执行此操作的权限。"
API_SERVER_ERROR = "服务器内部错误，已记录，请稍后重试。"


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if is_api(request):
        return JsonResponse({"detail": API_NOT_FOUND}, status=404)
    return render(request, "404.html", {"reason": _our_reason(exception)}, status=404)


def _our_reason(exception) -> str:
    """The Chinese sentence a view raised Http404 with (what to do next); Django's own English ones
    and the resolver's (which list URL patterns) are left out."""
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and any("\u4e00" <= ch <= "\u9fff" for ch in message) else ""


def csrf_failure(request, reason=""):
    """A form posted without its token, or after the page went stale (CSRF_FAILURE_VIEW): 403 with what
    to do, in Chinese; JSON under /api/."""
    if is_api(request):
        return JsonResponse({"detail": "CSRF 校验失败：会话登录的写请求需要 X-CSRFToken 请求头。"}, status=403)
    return render(request, "403_csrf.html", status=403)


def permission_denied(request, exception=None):
    if is_api(request):
        return JsonResponse({"detail": API_FORBIDDEN}, status=403)
    return render(request, "403.html", status=403)


def server_error(request):
    """No request context: whatever failed (the database, a context processor, the session) must not
    fail this page too. 500.html is standalone and loads nothing."""
    if is_api(request):
        return JsonResponse({"detail": API_SERVER_ERROR}, status=500)
    return HttpResponseServerError(loader.get_template("500.html").render())
