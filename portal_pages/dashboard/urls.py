"""The routes of the dashboard (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.index_route, name="index_route"),
    re_path(r"^dashboard/$", views.dashboard, name="dashboard"),
    path("announcements/<int:pk>/dismiss/", views.announcement_dismiss, name="announcement_dismiss"),
]
