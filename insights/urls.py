from django.urls import include, path

from . import views

app_name = "insights"

urlpatterns = [
    path("models/", views.models, name="models"),
    path("models/<slug:code>/", views.model, name="model"),
    path("segments/", include("insights.segments.urls")),
]
