"""The routes of the documents screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^services/$", views.services, name="services"),
    re_path(r"^services/export/$", views.services_export, name="services_export"),
    re_path(r"^services/(?P<service_pk>\d+)/$", views.service_detail, name="service_detail"),
    re_path(
        r"^services/(?P<service_pk>\d+)/requirements/(?P<pk>\d+)/$", views.requirement_upload, name="requirement_upload"
    ),
    re_path(r"^documents/$", views.documents, name="documents"),
    re_path(r"^documents/mine/$", views.my_documents, name="my_documents"),
    re_path(r"^documents/mine/(?P<pk>\d+)/download/$", views.upload_download, name="upload_download"),
]
