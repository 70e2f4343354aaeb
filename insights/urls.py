from django.urls import include, path

from . import views
from .dashboards import views as dashboards

app_name = "insights"

urlpatterns = [
    path("dashboard/", dashboards.overview, name="dashboard"),
    path("models/", views.models, name="models"),
    path("models/<slug:code>/", views.model, name="model"),
    path("segments/", include("insights.segments.urls")),
]
