"""Objects of one account for the security tests, made on demand, and the route enumeration they are used with.

Every customer screen is found from the URL configuration (PortalHomePage's RoutablePageMixin routes and the
page types a portal may contain), never from a hand-written list, so that a new route is tested as soon as it
exists. A route parameter is filled by a factory found in :data:`PARAM_FACTORIES` under the route's first path
segment and the parameter's name; a route with a parameter nobody knows makes the tests fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal_models.models import Payment
from portal_models.services import billing as billing_services
from portal_models.services import orders as order_services
from portal_models.services.cases import case_assign, case_create, case_document_upload, case_note_add
from portal_models.services.documents import customer_upload_create
from portal_models.services.identity import set_password_tokens
from portal_models.tests.factories import (
    PDF_BYTES,
    AccountFactory,
    CaseRoleFactory,
    ContactFactory,
    LoginContactFactory,
    RequirementFactory,
    ServiceFactory,
    TicketCommentFactory,
    TicketFactory,
    make_document,
)
from portal_models.tests.order_factories import CatalogueProductFactory
from portal_pages.models import PortalHomePage

FULL_CASE_ROLE = dict(
    view_case="allow",
    view_documents="allow",
    upload_documents="allow",
    view_invoices="allow",
    post_notes="allow",
    manage_assignments="allow",
)


def pdf_upload(name="file.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


class Holder:
    """One account of a tenant, its signed-in contact (owner, may pay and see documents) and its records.

    Each record is created the first time it is asked for, so a test only pays for what its route needs.
    """

    def __init__(self, home: PortalHomePage, *, name: str, localstripe=None):
        self.home = home
        self.tenant = home.tenant
        self.localstripe = localstripe
        self.account = AccountFactory(tenant=self.tenant, name=name)
        self.contact = LoginContactFactory(
            account=self.account,
            can_pay=True,
            can_manage_contacts=True,
            can_see_documents=True,
            can_order=True,
            is_billing=True,
        )
        self.user = self.contact.user

    @cached_property
    def invoice(self):
        return billing_services.invoice_create(
            account=self.account,
            number=f"INV-{self.account.pk}",
            lines=[{"description": "Subscription", "unit_price": "120.00"}],
            invoice_date=date(2022, 8, 26),
            due_date=date(2022, 9, 26),
        )

    @cached_property
    def payment(self):
        other = billing_services.invoice_create(
            account=self.account,
            number=f"PAID-{self.account.pk}",
            lines=[{"description": "Setup", "unit_price": "50.00"}],
            due_date=date(2022, 9, 26),
        )
        return billing_services.payment_record(
            account=self.account, method=Payment.Method.CHECK, amount=Decimal("50.00"), invoices=[other]
        )

    @cached_property
    def other_contact(self):
        return ContactFactory(account=self.account, is_main=False, first_name="Colleague")

    @cached_property
    def ticket(self):
        return TicketFactory(account=self.account, created_by=self.user)

    @cached_property
    def ticket_comment(self):
        comment = TicketCommentFactory(ticket=self.ticket, is_public=True)
        comment.attachment.save("log.txt", ContentFile(b"printer log"), save=True)
        return comment

    @cached_property
    def case(self):
        case = case_create(account=self.account, number=f"CASE-{self.account.pk}", title="Warehouse expansion")
        role = CaseRoleFactory(tenant=self.tenant, **FULL_CASE_ROLE)
        case_assign(case=case, users=[self.user], role=role)
        case_note_add(case=case, author=self.user, body="First note")
        return case

    @cached_property
    def case_document(self):
        return case_document_upload(case=self.case, upload=pdf_upload("plan.pdf"), user=self.user, title="Plan")

    @cached_property
    def service(self):
        return ServiceFactory(account=self.account)

    @cached_property
    def requirement(self):
        return RequirementFactory(service=self.service)

    @cached_property
    def upload(self):
        return customer_upload_create(
            account=self.account, user=self.user, title="Tax form", category="tax", file=pdf_upload("tax.pdf")
        )

    @cached_property
    def account_document(self):
        """A Wagtail document in this account's own collection (served by /documents/<id>/<name>)."""
        return make_document(title=f"Contract {self.account.pk}", account=self.account)

    @cached_property
    def intent(self) -> str:
        """A real PaymentIntent of this account on localstripe."""
        from portal_models.services import payments as svc

        assert self.localstripe is not None, "routes with a PaymentIntent need the localstripe fixture"
        secret = svc.setup_intent_start(account=self.account, contact=None, nonce=f"sec-{self.account.pk}")
        pm = self.localstripe.confirm_setup(secret, "4242424242424242")
        start = svc.payment_start(
            account=self.account,
            user=self.user,
            payer_name="Holder",
            invoice_ids=[self.invoice.pk],
            payment_method_id=pm,
            save_card=False,
            nonce=f"sec-{self.account.pk}",
        )
        return start.intent.id

    @cached_property
    def order(self):
        product = CatalogueProductFactory(tenant=self.tenant)
        order = order_services.order_submit(
            account=self.account, user=self.user, lines=[{"product": product, "quantity": 2}], send_email=False
        )
        order_services.order_confirm(order=order)
        return order

    @cached_property
    def delivery(self):
        return order_services.delivery_record(
            order=self.order, quantities={self.order.lines.get().pk: 1}, carrier="UPS", tracking_number="1Z"
        )

    @cached_property
    def quote(self):
        return order_services.quote_request(
            account=self.account, user=self.user, lines=[{"description": "Crate", "quantity": 1}]
        )

    @cached_property
    def credit_memo(self):
        return billing_services.credit_memo_apply(
            invoice=self.invoice, number=f"CM-{self.account.pk}", amount=Decimal("1.00"), reason="Goodwill"
        )

    @cached_property
    def announcement(self):
        from portal_models.models import Announcement

        # for the accounts with this account's service: another account of the tenant does not see it
        return Announcement.objects.create(
            tenant=self.tenant, title="Planned maintenance", body="<p>Sunday</p>", product=self.service.product
        )

    @cached_property
    def invitation_token(self) -> str:
        from portal_models.models import ContactInvitation
        from portal_models.services.invitations import invitation_token
        from portal_models.tests.factories import UserFactory

        stranger = ContactFactory(account=self.account, email=f"invited-{self.account.pk}@example.com")
        invited = UserFactory(email=stranger.email)
        return invitation_token(ContactInvitation.objects.create(contact=stranger, user=invited))

    @cached_property
    def set_password_link(self) -> tuple[str, str]:
        return urlsafe_base64_encode(force_bytes(self.user.pk)), set_password_tokens.make_token(self.user)


# (first path segment of the route, parameter name) -> the value naming an object of the holder.
PARAM_FACTORIES = {
    ("invoices", "pk"): lambda h: h.invoice.pk,
    ("payments", "pk"): lambda h: h.payment.pk,
    ("contacts", "pk"): lambda h: h.other_contact.pk,
    ("tickets", "pk"): lambda h: h.ticket.pk,
    ("tickets", "comment_pk"): lambda h: h.ticket_comment.pk,
    ("cases", "pk"): lambda h: h.case.pk,
    ("cases", "doc_id"): lambda h: h.case_document.pk,
    ("services", "service_pk"): lambda h: h.service.pk,
    ("services", "pk"): lambda h: h.requirement.pk,
    ("documents", "pk"): lambda h: h.upload.pk,
    ("pay", "intent"): lambda h: h.intent,
    ("orders", "pk"): lambda h: h.order.pk,
    ("quotes", "pk"): lambda h: h.quote.pk,
    ("deliveries", "pk"): lambda h: h.delivery.pk,
    ("credit-memos", "pk"): lambda h: h.credit_memo.pk,
    ("announcements", "pk"): lambda h: h.announcement.pk,
    ("invitation", "token"): lambda h: h.invitation_token,
    ("password", "uidb64"): lambda h: h.set_password_link[0],
    ("password", "token"): lambda h: h.set_password_link[1],
}

# Routes of PortalHomePage that are deliberately not behind the customer access check, and why.
PUBLIC_ROUTES = {
    "index_route": "the portal's address: sends to the dashboard or to the sign-in page",
    "logout": "signing out needs no access check (POST only)",
    "password_forgot": "anonymous: asks for a set-password link",
    "set_password": "anonymous: the one-time link itself is the credential",
    "invitation": "an existing user's invitation: the signed link plus being that user (session or password)",
}

# Page types a portal may contain: "customer" pages check access like the routes, "public" ones are open.
CHILD_PAGE_ACCESS = {
    "portalloginpage": "public",
    "portalregistrationpage": "public",
    "contentpage": "public",  # help, FAQ, announcements: marketing content, no customer data
    "documentlibrarypage": "customer",
}


@dataclass(frozen=True)
class Route:
    name: str
    regex: str
    params: tuple[str, ...]
    unnamed_groups: int
    callback: object

    @property
    def segment(self) -> str:
        return self.regex.lstrip("^").split("/", 1)[0]

    @property
    def is_customer_route(self) -> bool:
        return bool(getattr(self.callback, "customer_route", None))

    def kwargs_for(self, holder: Holder) -> dict:
        """The route's parameters naming the holder's objects; fails clearly for an unknown parameter."""
        assert not self.unnamed_groups, (
            f"route {self.name} has an unnamed group in {self.regex!r}: name it (?P<...>) and add a factory"
        )
        values = {}
        for param in self.params:
            factory = PARAM_FACTORIES.get((self.segment, param))
            assert factory is not None, (
                f"add a factory for {param} used by route {self.name} "
                f"(PARAM_FACTORIES[({self.segment!r}, {param!r})] in portal_pages/tests/security/world.py)"
            )
            values[param] = factory(holder)
        return values

    def url(self, holder: Holder, home: PortalHomePage | None = None) -> str:
        home = home or holder.home
        return home.url + home.reverse_subpage(self.name, kwargs=self.kwargs_for(holder)).lstrip("/")


def portal_routes() -> list[Route]:
    """Every route of PortalHomePage, from its RoutablePageMixin resolver."""
    routes, seen = [], set()
    for pattern in PortalHomePage.get_subpage_urls():
        if pattern.name in seen:  # shadowed by a route of the same name earlier in the MRO (never resolved)
            continue
        seen.add(pattern.name)
        if isinstance(pattern.pattern, RegexPattern):
            compiled = pattern.pattern.regex
            params = tuple(compiled.groupindex)
            unnamed = compiled.groups - len(compiled.groupindex)
            regex = pattern.pattern._regex
        else:
            assert isinstance(pattern.pattern, RoutePattern)
            params = tuple(pattern.pattern.converters)
            unnamed = 0
            regex = "^" + pattern.pattern._route
        routes.append(Route(pattern.name, regex, params, unnamed, pattern.callback))
    return routes


ROUTES = portal_routes()
CUSTOMER_ROUTES = [r for r in ROUTES if r.name not in PUBLIC_ROUTES]


def child_page_types() -> list[str]:
    return [model._meta.model_name for model in PortalHomePage.allowed_subpage_models()]
