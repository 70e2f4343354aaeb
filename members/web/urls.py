from django.urls import path

from . import imports

app_name = "imports"

urlpatterns = [
    path("", imports.batch_list, name="list"),
    path("new/", imports.upload, name="new"),
    path("templates/<slug:kind>/<slug:format_key>.<str:file_type>", imports.template_download, name="template"),
    path("<int:pk>/", imports.batch_detail, name="detail"),
    path("<int:pk>/progress.json", imports.batch_progress, name="progress"),
    path("<int:pk>/resume/", imports.batch_resume, name="resume"),
    path("<int:pk>/errors.csv", imports.batch_errors_csv, name="errors_csv"),
]
