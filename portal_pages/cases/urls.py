"""The routes of the cases screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^cases/$", views.cases, name="cases"),
    re_path(r"^cases/(?P<pk>\d+)/$", views.case, name="case"),
    re_path(r"^cases/(?P<pk>\d+)/notes/$", views.case_note_add, name="case_note_add"),
    re_path(r"^cases/(?P<pk>\d+)/documents/$", views.case_document_upload, name="case_document_upload"),
    re_path(r"^cases/(?P<pk>\d+)/documents/(?P<doc_id>\d+)/$", views.case_document, name="case_document"),
]
