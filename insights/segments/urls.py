from django.urls import path

from . import views

urlpatterns = [
    path("", views.segment_list, name="segments"),
    path("new/", views.segment_edit, name="segment-new"),
    path("<int:pk>/", views.segment_detail, name="segment"),
    path("<int:pk>/edit/", views.segment_edit, name="segment-edit"),
    path("<int:pk>/snapshot/", views.segment_snapshot, name="segment-snapshot"),
    path("<int:pk>/export/", views.segment_export, name="segment-export"),
]
