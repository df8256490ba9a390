"""The routes of the billing screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^invoices/$", views.invoices, name="invoices"),
    re_path(r"^invoices/export/$", views.invoices_export, name="invoices_export"),
    re_path(r"^invoices/(?P<pk>\d+)/$", views.invoice, name="invoice"),
    re_path(r"^invoices/(?P<pk>\d+)/pdf/$", views.invoice_pdf, name="invoice_pdf"),
    re_path(r"^payments/$", views.payments, name="payments"),
    re_path(r"^payments/(?P<pk>\d+)/$", views.payment, name="payment"),
    re_path(r"^statement/$", views.statement, name="statement"),
    re_path(r"^contacts/$", views.contacts, name="contacts"),
    re_path(r"^contacts/export/$", views.contacts_export, name="contacts_export"),
    re_path(r"^contacts/new/$", views.contact_new, name="contact_new"),
    re_path(r"^contacts/(?P<pk>\d+)/edit/$", views.contact_edit, name="contact_edit"),
    re_path(r"^settings/$", views.settings, name="settings"),
]
