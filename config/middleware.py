"""Request hygiene every view relies on."""

from django.http import HttpResponseNotFound, JsonResponse, QueryDict


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
