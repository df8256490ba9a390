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
from .services import (
    OUTSTANDING_REQUIREMENT_STATUSES,
    CustomerUpload,
    PortalCollection,
    Product,
    RequirementKind,
    RequirementStatus,
    Service,
    ServiceRequirement,
    ServiceType,
    UploadCategory,
)
from .tenants import Account, Contact, Tenant
from .users import User

__all__ = [
    "OUTSTANDING_REQUIREMENT_STATUSES",
    "Account",
    "Contact",
    "CustomerUpload",
    "PortalCollection",
    "Product",
    "RequirementKind",
    "RequirementStatus",
    "Service",
    "ServiceRequirement",
    "ServiceType",
    "UploadCategory",
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
