"""HTTP basic auth for the API that counts failures and honours the login lockout (django-axes).

Listed first in DEFAULT_AUTHENTICATION_CLASSES so that DRF answers a missing or wrong credential with
401 and `WWW-Authenticate: Basic` (DRF takes the header from the first class).
"""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, get_user_model
from drf_spectacular.authentication import BasicScheme
from rest_framework import authentication, exceptions

from .lockout import cool_off_minutes, lockout_message


class LockedOut(exceptions.Throttled):
    default_code = "locked_out"


class BasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        # django-axes marks the plain HttpRequest; DRF's Request wraps it.
        http_request = request._request if request is not None else None
        credentials = {get_user_model().USERNAME_FIELD: userid, "password": password}
        user = authenticate(request=http_request, **credentials)
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                raise LockedOut(detail=lockout_message(), wait=cool_off_minutes() * 60)
            raise exceptions.AuthenticationFailed("用户名或密码不正确。")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("账号已停用。")
        self._reset_failures(http_request, userid)
        return user, None

    @staticmethod
    def _reset_failures(http_request, userid) -> None:
        # A right password clears earlier failures, as a successful page login does (AXES_RESET_ON_SUCCESS
        # acts on user_logged_in, which basic auth never sends). A read first: most calls have none.
        credentials = {"username": userid}
        if AxesProxyHandler.get_failures(http_request, credentials):
            AxesProxyHandler.reset_attempts(ip_address=http_request.axes_ip_address, username=userid)


class BasicAuthenticationScheme(BasicScheme):
    """The OpenAPI security scheme of the class above: plain HTTP basic (drf-spectacular)."""

    target_class = BasicAuthentication
