"""The routes of the identity screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    re_path(r"^account/password/$", views.change_password, name="change_password"),
    re_path(r"^settings/access/$", views.system_access, name="system_access"),
    re_path(r"^account/two-factor/$", views.two_factor, name="two_factor"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/set/<uidb64>/<token>/", views.set_password, name="set_password"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
]
