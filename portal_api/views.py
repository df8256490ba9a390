"""The endpoints of ``/api/v1/``: each parses input with a serializer and calls one service (writes) or reads the
key's tenant's records (``ApiViewSet.get_queryset``). Another tenant's record answers 404."""

from __future__ import annotations

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal_models.models import (
    Account,
    ApiScope,
    Contact,
    CreditMemo,
    CustomerUpload,
    Delivery,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentAllocation,
    Service,
    Ticket,
    TicketComment,
    TicketStatus,
)
from portal_models.services import billing, orders, sync

from . import serializers as s
from .base import IDEMPOTENCY_PARAMETER, ApiViewSet, SyncFilterSet

READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)
POST_SCHEMA = {"parameters": [IDEMPOTENCY_PARAMETER]}


def _filterset(model, *names: str):
    """A FilterSet of the sync filters and exact filters on ``names`` of ``model``."""
    meta = type("Meta", (), {"model": model, "fields": list(names)})
    return type(f"{model.__name__}FilterSet", (SyncFilterSet,), {"Meta": meta})


@extend_schema_view(create=extend_schema(**POST_SCHEMA, request=s.AccountSerializer))
class AccountViewSet(*READ, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet):
    """Customer companies of the tenant."""

    serializer_class = s.AccountSerializer
    filterset_class = _filterset(Account, "number", "is_active")
    write_scope = ApiScope.WRITE_BILLING
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Account.objects.all()

    def perform_create(self, serializer):
        serializer.instance = sync.account_create(tenant=self.tenant, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = sync.account_update(account=serializer.instance, data=serializer.validated_data)


@extend_schema_view(create=extend_schema(**POST_SCHEMA))
class ContactViewSet(*READ, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet):
    """People at the accounts, with their roles (main, billing, technical) and portal rights. Granting
    ``can_login`` invites the contact by email; every right change is in the audit trail."""

    serializer_class = s.ContactSerializer
    filterset_class = _filterset(Contact, "account", "email")
    write_scope = ApiScope.WRITE_BILLING
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Contact.objects.all()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = sync.contact_write(account=data.pop("account"), data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("account", None)  # a contact stays at its account
        contact = serializer.instance
        serializer.instance = sync.contact_write(account=contact.account, data=data, contact=contact)


class InvoiceViewSet(*READ, ApiViewSet):
    """Invoices with their lines. Made as drafts, then issued (a record from then on: never edited through the
    API either) or voided with a reason; corrections of an issued invoice are credit memos."""

    serializer_class = s.InvoiceSerializer
    filterset_class = _filterset(Invoice, "account", "status", "number")
    write_scope = ApiScope.WRITE_BILLING

    def base_queryset(self):
        return Invoice.objects.prefetch_related("lines")

    @extend_schema(**POST_SCHEMA, request=s.InvoiceCreateInput, responses={201: s.InvoiceSerializer})
    def create(self, request):
        data = self._input(s.InvoiceCreateInput)
        lines = [dict(line) for line in data.pop("lines")]
        invoice = sync.invoice_draft_create(**data, lines=lines)
        return self._answer(invoice, status.HTTP_201_CREATED)

    @extend_schema(**POST_SCHEMA, request=None, responses=s.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        invoice, _recipients = billing.invoice_issue(invoice=self.get_object())
        return self._answer(invoice)

    @extend_schema(**POST_SCHEMA, request=s.InvoiceVoidInput, responses=s.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        invoice = self.get_object()
        data = self._input(s.InvoiceVoidInput)
        return self._answer(billing.invoice_void(invoice=invoice, reason=data["reason"]))

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, invoice, code=status.HTTP_200_OK):
        invoice = self.get_queryset().get(pk=invoice.pk)
        return Response(self.get_serializer(invoice).data, status=code)


class CreditMemoViewSet(*READ, ApiViewSet):
    """Credits on issued, open invoices."""

    serializer_class = s.CreditMemoSerializer
    filterset_class = _filterset(CreditMemo, "account", "invoice", "number")
    write_scope = ApiScope.WRITE_BILLING

    def base_queryset(self):
        return CreditMemo.objects.all()

    @extend_schema(**POST_SCHEMA, request=s.CreditMemoCreateInput, responses={201: s.CreditMemoSerializer})
    def create(self, request):
        serializer = s.CreditMemoCreateInput(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        memo = sync.credit_memo_create(**serializer.validated_data)
        return Response(self.get_serializer(memo).data, status=status.HTTP_201_CREATED)


class PaymentViewSet(*READ, ApiViewSet):
    """Payments (card payments come from Stripe); a check, bank transfer or cash payment is recorded here."""

    serializer_class = s.PaymentSerializer
    filterset_class = _filterset(Payment, "account", "status", "method")
    write_scope = ApiScope.WRITE_BILLING

    def base_queryset(self):
        return Payment.objects.prefetch_related(
            Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("invoice"))
        )

    @extend_schema(**POST_SCHEMA, request=s.PaymentCreateInput, responses={201: s.PaymentSerializer})
    def create(self, request):
        serializer = s.PaymentCreateInput(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        invoices = data.pop("invoices", None)
        payment = sync.payment_record_manual(**data, invoices=invoices or None)
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(self.get_serializer(payment).data, status=status.HTTP_201_CREATED)


class ServiceViewSet(*READ, ApiViewSet):
    """What the accounts subscribe to, and the files each service requires from the customer."""

    serializer_class = s.ServiceSerializer
    filterset_class = _filterset(Service, "account", "service_type")

    def base_queryset(self):
        return Service.objects.select_related("product").prefetch_related("requirements")


class DocumentViewSet(*READ, ApiViewSet):
    """Files on the accounts' documents. Uploads (multipart) pass the portal's one upload rule: an allowed type
    whose content is what its extension says, within the size limit."""

    serializer_class = s.DocumentSerializer
    filterset_class = _filterset(CustomerUpload, "account", "category")
    write_scope = ApiScope.WRITE_SUPPORT
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def base_queryset(self):
        return CustomerUpload.objects.all()

    @extend_schema(
        **POST_SCHEMA, request={"multipart/form-data": s.DocumentCreateInput}, responses={201: s.DocumentSerializer}
    )
    def create(self, request):
        serializer = s.DocumentCreateInput(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        upload = sync.document_upload(**serializer.validated_data)
        return Response(self.get_serializer(upload).data, status=status.HTTP_201_CREATED)


class TicketFilterSet(SyncFilterSet):
    status = filters.ChoiceFilter(choices=TicketStatus.choices)

    class Meta:
        model = Ticket
        fields = ["account", "status"]


class TicketViewSet(*READ, ApiViewSet):
    """Service requests with their conversation (internal notes included: the key is staff's)."""

    serializer_class = s.TicketSerializer
    filterset_class = TicketFilterSet
    write_scope = ApiScope.WRITE_SUPPORT

    def base_queryset(self):
        return Ticket.objects.prefetch_related(
            Prefetch("comments", queryset=TicketComment.objects.select_related("author"))
        )

    @extend_schema(**POST_SCHEMA, request=s.TicketReplyInput, responses={201: s.TicketCommentSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        ticket = self.get_object()
        serializer = s.TicketReplyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = sync.ticket_reply_from_integration(
            ticket=ticket,
            author=request.user.created_by,
            body=serializer.validated_data["body"],
            public=serializer.validated_data["public"],
        )
        return Response(s.TicketCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class OrderFilterSet(SyncFilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)

    class Meta:
        model = Order
        fields = ["account", "status", "po_number"]


class OrderViewSet(*READ, ApiViewSet):
    """Orders placed in the portal; staff's system confirms them and records their deliveries."""

    serializer_class = s.OrderSerializer
    filterset_class = OrderFilterSet
    write_scope = ApiScope.WRITE_SUPPORT

    def base_queryset(self):
        return Order.objects.prefetch_related("lines")

    @extend_schema(**POST_SCHEMA, request=None, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        order = orders.order_confirm(order=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)


class DeliveryViewSet(*READ, ApiViewSet):
    """Shipments of confirmed orders, with carrier and tracking number."""

    serializer_class = s.DeliverySerializer
    filterset_class = _filterset(Delivery, "account", "order")
    write_scope = ApiScope.WRITE_SUPPORT

    def base_queryset(self):
        return Delivery.objects.prefetch_related("lines")

    @extend_schema(**POST_SCHEMA, request=s.DeliveryCreateInput, responses={201: s.DeliverySerializer})
    def create(self, request):
        serializer = s.DeliveryCreateInput(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        quantities = {line["order_line"]: line["quantity"] for line in data.pop("lines")}
        delivery = sync.delivery_create(**data, quantities=quantities)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data, status=status.HTTP_201_CREATED
        )


__all__ = [
    "AccountViewSet",
    "ContactViewSet",
    "CreditMemoViewSet",
    "DeliveryViewSet",
    "DocumentViewSet",
    "InvoiceViewSet",
    "OrderViewSet",
    "PaymentViewSet",
    "ServiceViewSet",
    "TicketViewSet",
]
