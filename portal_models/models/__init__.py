from .billing import (
    CreditMemo,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    StripeEvent,
)
from .identity import RegistrationRequest
from .tenants import Account, Contact, Tenant
from .tickets import Ticket, TicketCategory, TicketComment, TicketSeverity, TicketStatus
from .users import User

__all__ = [
    "Account",
    "Contact",
    "CreditMemo",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "RegistrationRequest",
    "StripeEvent",
    "Tenant",
    "Ticket",
    "TicketCategory",
    "TicketComment",
    "TicketSeverity",
    "TicketStatus",
    "User",
]
