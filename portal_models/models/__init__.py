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
    "User",
]
