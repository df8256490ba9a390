"""The routes of the tickets screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^tickets/$", views.tickets, name="tickets"),
    re_path(r"^tickets/export/$", views.tickets_export, name="tickets_export"),
    re_path(r"^tickets/new/$", views.ticket_new, name="ticket_new"),
    re_path(r"^tickets/(?P<pk>\d+)/$", views.ticket_detail, name="ticket_detail"),
    re_path(r"^tickets/(?P<pk>\d+)/reopen/$", views.ticket_reopen, name="ticket_reopen"),
    re_path(r"^tickets/(?P<pk>\d+)/files/(?P<comment_pk>\d+)/$", views.ticket_attachment, name="ticket_attachment"),
]
