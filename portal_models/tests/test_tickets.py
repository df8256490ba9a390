"""Ticket services: numbering, validation, and who gets which email."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_models.models import Ticket, TicketComment, TicketSeverity, TicketStatus
from portal_models.services import tickets as services

from .factories import AccountFactory, LoginContactFactory, StaffUserFactory, TenantFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the emails) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def contact():
    return LoginContactFactory(account=AccountFactory(tenant=TenantFactory(slug="acme", name="Acme")))


@pytest.fixture
def ticket(contact):
    return TicketFactory(account=contact.account, created_by=contact.user, status=TicketStatus.OPEN)


def open_ticket(contact, **kwargs):
    data = {"subject": "Printer offline", "description": "Line 3 printer shows offline.", **kwargs}
    return services.ticket_open(account=contact.account, user=contact.user, **data)


class TestOpen:
    def test_numbers_are_sequential_per_tenant_and_support_is_emailed(self, contact, commit):
        other = LoginContactFactory(account=AccountFactory(tenant=TenantFactory(slug="other")))
        with commit():
            first = open_ticket(contact, severity=TicketSeverity.HIGH)
            second = open_ticket(contact)
            elsewhere = open_ticket(other)
        assert (first.number, second.number, elsewhere.number) == (1001, 1002, 1001)
        assert first.status == TicketStatus.NEW and first.created_by == contact.user
        support = [m for m in mail.outbox if m.to == ["support@acme.example.com"]]
        assert len(support) == 2
        message = support[0]
        assert message.subject == f"[T-1001] New ticket from {contact.account.name}: Printer offline"
        assert "Line 3 printer shows offline." in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and "Line 3 printer shows offline." in html
        assert "/admin/portal_models/ticket/edit/" in message.body

    @pytest.mark.parametrize("field", ["subject", "description"])
    def test_blank_text_is_refused_and_creates_nothing(self, contact, field, commit):
        with commit(), pytest.raises(ValidationError) as error:
            open_ticket(contact, **{field: "   "})
        assert field in error.value.message_dict
        assert Ticket.objects.count() == 0
        assert mail.outbox == []


class TestStaffReplies:
    def test_internal_note_is_never_emailed(self, ticket, commit):
        with commit():
            note = services.ticket_reply_staff(
                ticket=ticket, author=StaffUserFactory(), body="Customer is on an old build.", is_public=False
            )
        assert note.is_public is False
        assert mail.outbox == []

    def test_public_reply_emails_the_customer(self, ticket, commit):
        with commit():
            services.ticket_reply_staff(
                ticket=ticket, author=StaffUserFactory(), body="Please restart it.", is_public=True
            )
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [ticket.created_by.email]
        assert message.reply_to == [ticket.tenant.support_email]
        assert "Please restart it." in message.body and "Please restart it." in message.alternatives[0][0]

    def test_status_change_emails_customer_once_and_leaks_no_internal_note(self, ticket, commit):
        staff = StaffUserFactory()
        with commit():
            services.ticket_update_staff(
                ticket=ticket,
                by=staff,
                category=ticket.category,
                severity=ticket.severity,
                status=TicketStatus.RESOLVED,
                assigned_to=staff,
                reply="SECRET: refunded without approval",
                reply_is_public=False,
            )
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED and ticket.assigned_to == staff
        assert TicketComment.objects.get().is_public is False
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert "Resolved" in message.subject
        assert "SECRET" not in message.body and "SECRET" not in message.alternatives[0][0]
        with commit():
            services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, by=staff)
        assert len(mail.outbox) == 1  # unchanged status sends nothing

    def test_only_staff_can_be_assigned(self, ticket, contact):
        with pytest.raises(ValidationError):
            services.ticket_assign(ticket=ticket, assignee=contact.user)


class TestCustomerNotes:
    def test_note_emails_support_and_answers_waiting_status(self, ticket, contact, commit):
        ticket.status = TicketStatus.WAITING_ON_CUSTOMER
        ticket.save()
        with commit():
            services.ticket_comment_add(
                ticket=ticket,
                user=contact.user,
                body="Here is the log.",
                attachment=SimpleUploadedFile("printer.log", b"error 42", content_type="text/plain"),
            )
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.OPEN
        comment = TicketComment.objects.get()
        assert comment.is_public and comment.attachment_name == "printer.log"
        assert [m.to for m in mail.outbox] == [["support@acme.example.com"]]
        assert "printer.log" in mail.outbox[0].body

    def test_oversize_attachment_is_refused_and_creates_nothing(self, ticket, contact, settings, commit):
        settings.PORTAL_TICKET_ATTACHMENT_MAX_BYTES = 1024
        with commit(), pytest.raises(ValidationError) as error:
            services.ticket_comment_add(
                ticket=ticket, user=contact.user, body="Big", attachment=SimpleUploadedFile("big.pdf", b"x" * 2048)
            )
        assert "at most 1.0" in error.value.message_dict["attachment"][0]
        assert TicketComment.objects.count() == 0 and mail.outbox == []

    def test_closed_ticket_takes_no_notes(self, ticket, contact):
        ticket.status = TicketStatus.CLOSED
        ticket.save()
        with pytest.raises(ValidationError):
            services.ticket_comment_add(ticket=ticket, user=contact.user, body="Hello?")
        assert TicketComment.objects.count() == 0

    def test_reopen_only_a_resolved_ticket(self, ticket, contact, commit):
        with pytest.raises(ValidationError):
            services.ticket_reopen(ticket=ticket, user=contact.user)
        ticket.status = TicketStatus.RESOLVED
        ticket.save()
        with commit():
            services.ticket_reopen(ticket=ticket, user=contact.user, reason="Still broken")
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.OPEN
        assert TicketComment.objects.get().body == "Still broken"
        assert "reopened" in mail.outbox[0].subject.lower()
