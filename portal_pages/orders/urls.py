"""The routes of the ordering screens (mounted by PortalHomePage.get_subpage_urls())."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^order-pad/$", views.order_pad, name="order_pad"),
    re_path(r"^order-pad/review/$", views.order_review, name="order_review"),
    re_path(r"^orders/$", views.orders, name="orders"),
    re_path(r"^orders/export/$", views.orders_export, name="orders_export"),
    re_path(r"^orders/(?P<pk>\d+)/$", views.order, name="order"),
    re_path(r"^orders/(?P<pk>\d+)/again/$", views.order_again, name="order_again"),
    re_path(r"^quotes/$", views.quotes, name="quotes"),
    re_path(r"^quotes/new/$", views.quote_new, name="quote_new"),
    re_path(r"^quotes/(?P<pk>\d+)/$", views.quote, name="quote"),
    re_path(r"^quotes/(?P<pk>\d+)/pdf/$", views.quote_pdf, name="quote_pdf"),
    re_path(r"^quotes/(?P<pk>\d+)/accept/$", views.quote_accept, name="quote_accept"),
    re_path(r"^quotes/(?P<pk>\d+)/decline/$", views.quote_decline, name="quote_decline"),
    re_path(r"^deliveries/$", views.deliveries, name="deliveries"),
    re_path(r"^deliveries/(?P<pk>\d+)/$", views.delivery, name="delivery"),
    re_path(r"^credit-memos/$", views.credit_memos, name="credit_memos"),
    re_path(r"^credit-memos/(?P<pk>\d+)/pdf/$", views.credit_memo_pdf, name="credit_memo_pdf"),
    re_path(r"^branch/switch/$", views.switch_branch, name="switch_branch"),
]
