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
from .cases import Case, CaseAssignment, CaseNote, CasePermission, CaseRole, CaseStatus, Grant
from .identity import RegistrationRequest
from .tenants import Account, Contact, Tenant
from .tickets import Ticket, TicketCategory, TicketComment, TicketSeverity, TicketStatus
from .users import User

__all__ = [
    "Case",
    "CaseAssignment",
    "CaseNote",
    "CasePermission",
    "CaseRole",
    "CaseStatus",
    "Grant",
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
