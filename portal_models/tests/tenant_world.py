"""Two tenants with one record of every admin-registered model each, and their staff, for the admin
isolation tests. Every record of tenant B carries the marker ``Qxbravo`` (tenant A's: ``Qxalpha``) in a text
the admin shows, so "B is not on this page" is one substring check."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile

from portal_models.models import (
    AccountPrice,
    Announcement,
    Branch,
    CaseRole,
    CustomerUpload,
    EmailWording,
    ImportRun,
    PortalCollection,
    PromisedCheck,
    SecurityEventType,
    StaffRole,
    Tenant,
    TicketComment,
    User,
)
from portal_models.services import billing
from portal_models.services import orders as order_services
from portal_models.services.api_keys import api_key_create
from portal_models.services.audit import security_event_record
from portal_models.services.cases import case_assign, case_create
from portal_models.services.documents import tenant_collection
from portal_models.services.outgoing_webhooks import webhook_emit, webhook_endpoint_create
from portal_models.services.tenants import tenant_staff_groups_ensure

from .factories import (
    PDF_BYTES,
    AccountFactory,
    CaseRoleFactory,
    ContactFactory,
    ProductFactory,
    RequirementFactory,
    ServiceFactory,
    TicketFactory,
    UserFactory,
    seed_invoice,
)

MARK_A, MARK_B = "Qxalpha", "Qxbravo"


@dataclass
class TenantRecords:
    mark: str
    tenant: Tenant
    home: object = None
    objects: dict[str, object] = field(default_factory=dict)  # model label (lower case) -> instance

    def object_for(self, label: str):
        if label not in self.objects:
            raise AssertionError(
                f"No test record for {label}: add one to tenant_world.build_tenant_records so the admin "
                "isolation tests cover it."
            )
        return self.objects[label]


def build_tenant_records(mark: str, *, with_portal: bool = True) -> TenantRecords:
    """One record per admin-registered model, all of one new tenant whose name carries ``mark``."""
    if with_portal:
        from portal_pages.tests.factories import make_portal

        home = make_portal(name=f"{mark} Tenant", slug=mark.lower())
        tenant = home.tenant
    else:
        from .factories import TenantFactory

        home, tenant = None, TenantFactory(name=f"{mark} Tenant", slug=mark.lower())
    account = AccountFactory(tenant=tenant, name=f"{mark} Corp", number=f"{mark}-1")
    user = UserFactory(first_name=mark, last_name="Customer", email=f"{mark.lower()}.customer@example.com")
    contact = ContactFactory(
        account=account, user=user, first_name=mark, last_name="Contact", email=user.email, can_login=True
    )
    invoice = seed_invoice(account, number=f"{mark}-INV")
    memo = billing.credit_memo_apply(
        invoice=invoice, number=f"{mark}-CM", amount=Decimal("1.00"), reason=f"{mark} credit"
    )
    payment = billing.payment_record(
        account=account, method="check", amount=Decimal("10"), invoices=[invoice], reference=f"{mark}-PAY"
    )
    promised = PromisedCheck.objects.create(
        tenant=tenant,
        account=account,
        check_number=f"{mark}-CHK",
        amount=Decimal("5.00"),
        currency=tenant.currency,
        mailed_on=invoice.invoice_date,
        payer_name=f"{mark} Payer",
        expires_at=invoice.created_at,
    )
    promised.invoices.set([invoice])
    product = ProductFactory(tenant=tenant, name=f"{mark} Product")
    service = ServiceFactory(account=account, product=product)
    product.sku, product.price = f"{mark}-SKU", Decimal("4.00")
    product.save()
    branch = Branch.objects.create(account=account, code=f"{mark}-BR", name=f"{mark} Branch")
    price = AccountPrice.objects.create(product=product, account=account, price=Decimal("3.00"))
    order = order_services.order_submit(
        account=account,
        user=user,
        lines=[{"product": product, "quantity": 2}],
        branch=branch,
        notes=f"{mark} order notes",
        send_email=False,
    )
    order_services.order_confirm(order=order)
    delivery = order_services.delivery_record(
        order=order, quantities={order.lines.get().pk: 1}, tracking_number=f"{mark}-TRK"
    )
    quote = order_services.quote_request(
        account=account, user=user, lines=[{"description": f"{mark} crate", "quantity": 1}], notes=f"{mark} quote notes"
    )
    requirement = RequirementFactory(service=service)
    upload = CustomerUpload.objects.create(
        account=account,
        title=f"{mark} upload",
        file=ContentFile(PDF_BYTES, name="upload.pdf"),
        original_name=f"{mark}-upload.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
    )
    collection = tenant_collection(tenant=tenant)
    case = case_create(account=account, number=f"{mark}-C", title=f"{mark} case")
    role = CaseRoleFactory(tenant=tenant, name=f"{mark} role")
    [assignment] = case_assign(case=case, users=[user], role=role)
    ticket = TicketFactory(account=account, subject=f"{mark} ticket", created_by=user)
    comment = TicketComment(ticket=ticket, author=user, body=f"{mark} comment")
    comment.attachment = ContentFile(PDF_BYTES, name="comment.pdf")
    comment.save()
    attempt = AccessAttempt.objects.create(
        username=user.email,
        ip_address="127.0.0.9",
        user_agent="test",
        http_accept="*/*",
        path_info="/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    event = security_event_record(event=SecurityEventType.SIGN_IN, account=account, user=user, email=user.email)
    endpoint, _secret = webhook_endpoint_create(
        tenant=tenant,
        url=f"https://hooks.example.com/{mark.lower()}",
        events=["ticket.opened"],
        description=f"{mark} ERP",
    )
    [webhook_delivery] = webhook_emit(tenant_id=tenant.pk, event="ticket.opened", data={"mark": mark})
    import_run = ImportRun.objects.create(
        tenant=tenant, kind="accounts", file_name=f"{mark}-accounts.csv", file_format="csv", content=b"external_id\n"
    )
    api_key, _token = api_key_create(tenant=tenant, name=f"{mark} ERP key", scopes=["read"])
    announcement = Announcement.objects.create(tenant=tenant, title=f"{mark} announcement", body=f"<p>{mark}</p>")
    wording = EmailWording.objects.create(
        tenant=tenant, email="invitation", language="en", subject=f"{mark} welcome", body=f"{mark} text"
    )
    tenant_staff_groups_ensure(tenant=tenant, home_page=home, collection=collection)
    records = TenantRecords(mark=mark, tenant=tenant, home=home)
    for instance in (
        tenant,
        account,
        user,
        contact,
        invoice,
        memo,
        payment,
        promised,
        product,
        service,
        branch,
        price,
        order,
        delivery,
        quote,
        requirement,
        upload,
        PortalCollection.objects.get(collection=collection),
        case,
        role,
        assignment,
        ticket,
        comment,
        attempt,
        event,
        endpoint,
        webhook_delivery,
        import_run,
        api_key,
        announcement,
        wording,
    ):
        records.objects[instance._meta.label_lower] = instance
    records.objects["wagtailcore.collection"] = collection
    return records


def staff_user(records: TenantRecords, role: str, *, email: str, all_record_permissions: bool = False) -> User:
    """A staff user in ``records``' tenant group of ``role``; with ``all_record_permissions`` they also hold
    every portal_models permission, so that only tenant scoping stands between them and other tenants."""
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=records.tenant)[role])
    if all_record_permissions:
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="portal_models"))
    return user


def shared_case_role() -> CaseRole:
    return CaseRole.objects.get_or_create(tenant=None, name="Shared template role")[0]


__all__ = ["MARK_A", "MARK_B", "StaffRole", "TenantRecords", "build_tenant_records", "staff_user"]
