from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns = [
    path("liability/", views.liability, name="liability"),
]
