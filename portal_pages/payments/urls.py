"""The routes of the payments screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^invoices/(?P<pk>\d+)/pay/$", views.pay_invoice, name="pay_invoice"),
    re_path(r"^pay/$", views.pay_balance, name="pay_balance"),
    re_path(r"^pay/billing/$", views.pay_billing, name="pay_billing"),
    re_path(r"^pay/payment/$", views.pay_card, name="pay_card"),
    re_path(r"^pay/confirm/$", views.pay_confirm, name="pay_confirm"),
    re_path(r"^pay/result/(?P<intent>pi_[A-Za-z0-9_]+)/$", views.pay_result, name="pay_result"),
    re_path(r"^pay/status/(?P<intent>pi_[A-Za-z0-9_]+)/$", views.pay_status, name="pay_status"),
    re_path(r"^payments/(?P<pk>\d+)/receipt/$", views.payment_receipt, name="payment_receipt"),
    re_path(r"^payments/methods/$", views.payment_methods, name="payment_methods"),
]
