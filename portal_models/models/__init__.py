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
from .tenants import Account, Contact, Tenant
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
    "StripeEvent",
    "Tenant",
    "User",
]
