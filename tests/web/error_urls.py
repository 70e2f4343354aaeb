"""The project's URLs plus two views that fail, for the error page tests (tests/web/test_error_pages.py)."""

from django.http import Http404
from django.urls import path

from config.urls import handler403, handler404, handler500  # noqa: F401 - Django reads them from ROOT_URLCONF
from config.urls import urlpatterns as site_urlpatterns


def missing_member(request):
    raise Http404("No Member matches the given query.")


def broken(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("test-missing-member/", missing_member), path("test-broken/", broken), *site_urlpatterns]
