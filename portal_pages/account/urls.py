"""The routes of the account screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    re_path(r"^account/switch/$", views.switch_account, name="switch_account"),
    re_path(r"^account/theme/$", views.set_theme, name="set_theme"),
    re_path(r"^account/language/$", views.set_language, name="set_language"),
    path("logout/", views.logout, name="logout"),
]
