"""Assets the staff pages share."""

from functools import cache

from django.http import HttpResponse
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
