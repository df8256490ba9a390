"""Demo tickets for the demo accounts: a few statuses, public replies and one internal note. Idempotent."""

from django.db import transaction
from django.test.utils import override_settings

from portal_models.models import Account, Ticket, TicketCategory, TicketSeverity, TicketStatus, User
from portal_models.services.tickets import ticket_comment_add, ticket_open, ticket_reply_staff, ticket_set_status

from .tenants import STAFF_EMAIL

# (tenant slug, account number, customer email, subject, category, severity, description, script)
# script: ("staff"|"internal"|"customer", body) messages, then an optional final status.
TICKETS = [
    (
        "qt9",
        "C-1001",
        "john.doe@example.com",
        "Cannot export the monthly report to Excel",
        TicketCategory.PROBLEM,
        TicketSeverity.HIGH,
        "Since the last update the Export button on the monthly report does nothing. Chrome on Windows 11.",
        [
            ("internal", "Reproduced on 4.2.1 — looks like the pop-up blocker. Escalating to dev."),
            ("staff", "Thanks John, we reproduced it and a fix is on its way. Meanwhile, allow pop-ups for the site."),
        ],
        TicketStatus.OPEN,
    ),
    (
        "qt9",
        "C-1001",
        "john.doe@example.com",
        "Add two more user seats",
        TicketCategory.SERVICE_CALL,
        TicketSeverity.NORMAL,
        "We are hiring two people in accounting next month. Please add two seats to our subscription.",
        [("staff", "Done — the two seats are active. You will see them on your next invoice.")],
        TicketStatus.RESOLVED,
    ),
    (
        "qt9",
        "C-1001",
        "john.doe@example.com",
        "Question about the invoice due date",
        TicketCategory.BILLING,
        TicketSeverity.LOW,
        "Can we move our invoice due date to the 15th of each month?",
        [("staff", "We can. Could you confirm which invoices this should start with?")],
        TicketStatus.WAITING_ON_CUSTOMER,
    ),
    (
        "qt9",
        "C-1002",
        "john.doe@example.com",
        "Label printer offline at the plant",
        TicketCategory.SERVICE_CALL,
        TicketSeverity.CRITICAL,
        "The label printer on line 3 shows offline; production is blocked.",
        [],
        TicketStatus.NEW,
    ),
    (
        "northwind",
        "NW-500",
        "maria.lopez@example.com",
        "Meter reading looks too high",
        TicketCategory.BILLING,
        TicketSeverity.NORMAL,
        "October's reading is twice September's, but the bakery was closed for a week.",
        [("staff", "A technician will re-read the meter on Thursday.")],
        TicketStatus.OPEN,
    ),
]


def load() -> list[str]:
    # Demo history is not news: keep the notification emails out of the console.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _load()


@transaction.atomic
def _load() -> list[str]:
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    created = 0
    for slug, number, email, subject, category, severity, description, script, status in TICKETS:
        account = Account.objects.filter(tenant__slug=slug, number=number).first()
        customer = User.objects.filter(email=email).first()
        if account is None or customer is None or Ticket.objects.filter(account=account, subject=subject).exists():
            continue
        ticket = ticket_open(
            account=account,
            user=customer,
            subject=subject,
            description=description,
            category=category,
            severity=severity,
        )
        for kind, body in script:
            if kind == "customer":
                ticket_comment_add(ticket=ticket, user=customer, body=body)
            else:
                ticket_reply_staff(ticket=ticket, author=staff, body=body, is_public=kind == "staff")
        if status != ticket.status:
            ticket_set_status(ticket=ticket, status=status, by=staff)
        if staff and status != TicketStatus.NEW:
            ticket.assigned_to = staff
            ticket.save(update_fields=["assigned_to"])
        created += 1
    return [f"Tickets: {created} demo tickets created (Support › Tickets in the admin)."] if created else []
