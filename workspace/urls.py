from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("register/", views.register_walk_in, name="register"),
    path("reminders/<int:pk>/done/", views.finish_reminder, name="reminder-done"),
    path("stores/<str:code>/", views.store_page, name="store"),
    path("m/<str:code>/", views.card, name="card"),
    path("m/<str:code>/timeline/", views.timeline, name="timeline"),
    path("m/<str:code>/tags/<int:membership_id>/", views.tag_why, name="tag-why"),
    path("m/<str:code>/follow-ups/", views.add_follow_up, name="follow-up"),
    path("m/<str:code>/tags/", views.set_tag, name="set-tag"),
    path("m/<str:code>/tags/add/", views.add_tag_page, name="add-tag"),
    path("m/<str:code>/consent/", views.record_consent, name="consent"),
    path("m/<str:code>/bind/", views.bind, name="bind"),
    path("m/<str:code>/unbind/", views.unbind, name="unbind"),
    path("m/<str:code>/reveal/", views.reveal_phone, name="reveal"),
]
