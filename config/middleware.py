"""Request hygiene every view relies on, and the error pages a demo shows with DEBUG on."""

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseNotFound, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.log import log_response

from core import views as core_views


class DropNulCharactersMiddleware:
    """PostgreSQL refuses NUL in text, so a NUL typed into a search box or a URL reached the
    database as an error (HTTP 500). No stored value can contain one: NUL is dropped from query
    parameters, and a path holding one names nothing (404, JSON under /api/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "未找到。"}, status=404)
            return HttpResponseNotFound("未找到。")
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            request.GET = _without_nul(request.GET)
        return self.get_response(request)


def _without_nul(params: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in params.lists():
        cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
    cleaned._mutable = False
    return cleaned


class StaffErrorPagesInDebugMiddleware:
    """With DEBUG on (`make run`), Django answers a missing page with its technical 404 (every URL
    pattern) and an uncaught exception with its technical 500 (stack, settings). Developers —
    superusers — keep them; everyone else gets the Chinese pages (core/views.py) a production
    server shows. /api/ is left alone: it answers JSON either way.

    Last in MIDDLEWARE: after authentication (it asks who the user is) and inside CommonMiddleware
    (whose APPEND_SLASH redirect still sees a 404 it returns)."""

    # Django answers these itself: 403 with handler403 even in DEBUG; 400s with their own page.
    LEFT_TO_DJANGO = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No view matched the path (resolution failed before any view ran): Django's technical 404.
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None and self.hides(request):
            return core_views.page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if not self.hides(request) or isinstance(exception, self.LEFT_TO_DJANGO):
            return None
        if isinstance(exception, Http404):
            return core_views.page_not_found(request, exception)
        response = core_views.server_error(request)
        # As Django's own handler logs it (with the traceback), so the error is not lost in the demo log.
        log_response("%s: %s", "Internal Server Error", request.path, response=response, request=request,
                     exception=exception)
        return response

    @staticmethod
    def hides(request) -> bool:
        if not settings.DEBUG or core_views.is_api(request):
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated and user.is_superuser)
