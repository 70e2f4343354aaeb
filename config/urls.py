from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views
from members import views as member_views

from .api import api_not_found, router

admin.site.site_header = "客户中台 管理后台"
admin.site.site_title = "客户中台"
admin.site.index_title = "规则与数据管理"

urlpatterns = [
    path("", member_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("imports/", include("members.web.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("insights/", include("insights.urls")),
    path("workspace/", include("workspace.urls")),
    path("assets/plotly.min.js", core_views.plotly_js, name="plotly-js"),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),  # after every API route: a JSON 404, as the schema declares
]

# Chinese error pages for the staff UI; /api/ keeps answering JSON (core/views.py).
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
