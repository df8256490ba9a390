"""``/api/v1/``: the endpoints, the OpenAPI 3 schema and its docs page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("credit-memos", views.CreditMemoViewSet, basename="credit-memo")
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("services", views.ServiceViewSet, basename="service")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("orders", views.OrderViewSet, basename="order")
router.register("deliveries", views.DeliveryViewSet, basename="delivery")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its start script served as a file (no inline script: the portal's CSP holds here too).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
