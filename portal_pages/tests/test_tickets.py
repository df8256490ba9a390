"""Customer ticket screens and the staff admin: access, privacy of internal notes, validation, queries."""

import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal_models.models import Ticket, TicketComment, TicketSeverity, TicketStatus
from portal_models.tests.factories import (
    AccountFactory,
    LoginContactFactory,
    StaffUserFactory,
    TicketCommentFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "INTERNAL: customer is two versions behind, do not promise a date"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def ticket(customer_a):
    ticket = TicketFactory(account=customer_a.account, created_by=customer_a.user, subject="Label printer offline")
    TicketCommentFactory(ticket=ticket, body="We are looking into it.", is_public=True)
    TicketCommentFactory(ticket=ticket, body=SECRET, is_public=False, attachment=SimpleUploadedFile("x.txt", b"x"))
    return ticket


def url(ticket=None, suffix=""):
    return f"/acme/tickets/{ticket.pk}/{suffix}" if ticket else f"/acme/tickets/{suffix}"


class TestList:
    def test_lists_own_tickets_with_status_severity_and_last_update(self, signed_in_client, ticket, portal_b):
        TicketFactory(account=AccountFactory(tenant=ticket.tenant), subject="Someone else's ticket")
        response = signed_in_client.get(url())
        assert response.status_code == 200
        content = response.content.decode()
        assert "Label printer offline" in content and ticket.reference in content
        assert "Someone else" not in content
        assert "Open" in content and "Normal" in content
        assert f'href="/acme/tickets/{ticket.pk}/"' in content

    def test_filters_and_sorting(self, signed_in_client, customer_a):
        account = customer_a.account
        TicketFactory(account=account, subject="Alpha crash", severity=TicketSeverity.CRITICAL)
        TicketFactory(account=account, subject="Beta question", severity=TicketSeverity.LOW)
        TicketFactory(account=account, subject="Gamma solved", status=TicketStatus.RESOLVED)

        def subjects(**params):
            response = signed_in_client.get(url(), params)
            return [t.subject for t in response.context["tickets"]]

        assert subjects(severity=TicketSeverity.CRITICAL) == ["Alpha crash"]
        assert subjects(status="resolved") == ["Gamma solved"]
        assert sorted(subjects(status="active")) == ["Alpha crash", "Beta question"]
        assert subjects(q="beta") == ["Beta question"]
        assert subjects(sort="subject") == ["Alpha crash", "Beta question", "Gamma solved"]
        assert subjects(sort="-severity")[0] == "Alpha crash"
        assert len(subjects(status="nonsense")) == 3  # an unknown value filters nothing, never a 500

    def test_query_count_does_not_grow_with_tickets(self, signed_in_client, customer_a):
        def count_queries():
            with CaptureQueriesContext(connection) as queries:
                assert signed_in_client.get(url()).status_code == 200
            return len(queries)

        count_queries()  # warm the per-process caches (site, page lookups)
        for _ in range(5):
            TicketCommentFactory(ticket=TicketFactory(account=customer_a.account, created_by=customer_a.user))
        five = count_queries()
        for _ in range(45):
            TicketCommentFactory(ticket=TicketFactory(account=customer_a.account, created_by=customer_a.user))
        assert count_queries() == five

    def test_pagination(self, signed_in_client, customer_a):
        TicketFactory.create_batch(25, account=customer_a.account)
        first = signed_in_client.get(url())
        assert len(first.context["tickets"]) == 20
        second = signed_in_client.get(url(), {"page": 2})
        assert len(second.context["tickets"]) == 5

    def test_csv_export_has_public_fields_only_and_follows_filters(self, signed_in_client, ticket, customer_a):
        TicketFactory(account=customer_a.account, subject="Closed one", status=TicketStatus.CLOSED)
        TicketFactory(account=customer_a.account, subject="=HYPERLINK(1)", status=TicketStatus.CLOSED)
        TicketFactory(account=AccountFactory(tenant=ticket.tenant), subject="Other account")
        response = signed_in_client.get(url(suffix="export/"))
        assert response["Content-Type"].startswith("text/csv")
        body = response.content.decode()
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0] == ["Ticket", "Subject", "Category", "Severity", "Status", "Opened", "Last update"]
        assert {row[1] for row in rows[1:]} == {"Label printer offline", "Closed one", "'=HYPERLINK(1)"}
        assert SECRET not in body and "We are looking into it" not in body
        filtered = signed_in_client.get(url(suffix="export/"), {"status": "closed"}).content.decode()
        assert "Closed one" in filtered and "Label printer offline" not in filtered

    def test_anonymous_is_sent_to_sign_in(self, client, portal_a):
        response = client.get(url())
        assert response.status_code == 302 and "/acme/login/" in response["Location"]

    def test_dashboard_links_to_open_a_ticket(self, signed_in_client):
        assert b'href="/acme/tickets/new/"' in signed_in_client.get("/acme/dashboard/").content


class TestDetailPrivacyAndAccess:
    def test_detail_shows_public_comments_only(self, signed_in_client, ticket):
        content = signed_in_client.get(url(ticket)).content.decode()
        assert "We are looking into it." in content
        assert SECRET not in content
        assert "x.txt" not in content

    def test_internal_note_attachment_is_404(self, signed_in_client, ticket):
        note = ticket.comments.get(is_public=False)
        assert signed_in_client.get(url(ticket, f"files/{note.pk}/")).status_code == 404

    def test_another_accounts_ticket_is_404_everywhere(self, signed_in_client, customer_a, portal_b):
        same_tenant = TicketFactory(account=AccountFactory(tenant=customer_a.account.tenant))
        other_tenant = TicketFactory(account=AccountFactory(tenant=portal_b.tenant))
        comment = TicketCommentFactory(ticket=same_tenant, attachment=SimpleUploadedFile("a.txt", b"a"))
        for other in (same_tenant, other_tenant):
            assert signed_in_client.get(url(other)).status_code == 404
            assert signed_in_client.post(url(other), {"body": "hi"}).status_code == 404
            assert signed_in_client.post(url(other, "reopen/")).status_code == 404
        assert signed_in_client.get(url(same_tenant, f"files/{comment.pk}/")).status_code == 404
        assert TicketComment.objects.filter(author__isnull=False, ticket__in=[same_tenant, other_tenant]).count() == 1

    def test_other_company_of_same_user_is_404_until_switched(self, signed_in_client, customer_a):
        second = LoginContactFactory(
            account=AccountFactory(tenant=customer_a.account.tenant, name="Zeta Ltd"), user=customer_a.user
        )
        theirs = TicketFactory(account=second.account, subject="Zeta's ticket")
        assert signed_in_client.get(url(theirs)).status_code == 404
        assert "Zeta's ticket" not in signed_in_client.get(url()).content.decode()
        signed_in_client.post("/acme/account/switch/", {"account": second.account_id})
        assert signed_in_client.get(url(theirs)).status_code == 200


class TestOpenTicket:
    def test_open_a_ticket_emails_support_and_shows_it(self, signed_in_client, customer_a, commit):
        with commit():
            response = signed_in_client.post(
                url(suffix="new/"),
                {"subject": "VPN down", "category": "problem", "severity": 3, "description": "Since 9am."},
            )
        ticket = Ticket.objects.get()
        assert response.status_code == 302 and response["Location"] == url(ticket)
        assert (ticket.account, ticket.created_by, ticket.severity) == (customer_a.account, customer_a.user, 3)
        assert [m.to for m in mail.outbox] == [[customer_a.account.tenant.support_email]]
        page = signed_in_client.get(url(ticket)).content.decode()
        assert "VPN down" in page and f"Ticket {ticket.reference} is open" in page

    def test_empty_subject_gets_a_message_and_creates_nothing(self, signed_in_client, commit):
        with commit():
            response = signed_in_client.post(
                url(suffix="new/"), {"subject": "  ", "category": "problem", "severity": 2, "description": "x"}
            )
        assert response.status_code == 400
        assert "Please enter a subject." in response.content.decode()
        assert Ticket.objects.count() == 0 and mail.outbox == []


class TestNotes:
    def test_note_with_attachment(self, signed_in_client, ticket, commit):
        with commit():
            response = signed_in_client.post(
                url(ticket), {"body": "Log attached", "attachment": SimpleUploadedFile("trace.log", b"boom")}
            )
        assert response.status_code == 302
        note = ticket.comments.get(body="Log attached")
        assert note.is_public and note.author == ticket.created_by
        assert [m.to for m in mail.outbox] == [[ticket.tenant.support_email]]
        download = signed_in_client.get(url(ticket, f"files/{note.pk}/"))
        assert download.status_code == 200 and b"".join(download.streaming_content) == b"boom"
        assert "trace.log" in signed_in_client.get(url(ticket)).content.decode()

    def test_oversize_attachment_gets_a_message_and_creates_nothing(self, signed_in_client, ticket, settings, commit):
        settings.PORTAL_TICKET_ATTACHMENT_MAX_BYTES = 1024
        before = ticket.comments.count()
        with commit():
            response = signed_in_client.post(
                url(ticket), {"body": "Big file", "attachment": SimpleUploadedFile("big.pdf", b"x" * 4096)}
            )
        assert response.status_code == 400
        assert "attachments may be at most 1.0" in response.content.decode()
        assert ticket.comments.count() == before and mail.outbox == []

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("invoice.pdf", b"<html><script>alert(1)</script></html>"),  # a page renamed .pdf
            ("photo.png", b"%PDF-1.4\n"),
            ("trace.log", b"\x00\x01binary"),
            ("bundle.zip", b"PK\x03\x04 not really an archive"),
        ],
    )
    def test_an_attachment_whose_content_is_not_its_type_is_refused(self, signed_in_client, ticket, name, content):
        """The same content rule as customer documents and case files (portal_models.uploads)."""
        before = ticket.comments.count()
        response = signed_in_client.post(url(ticket), {"body": "x", "attachment": SimpleUploadedFile(name, content)})
        assert response.status_code == 400
        assert f"content is not a .{name.rsplit('.', 1)[1]} file" in response.content.decode()
        assert ticket.comments.count() == before

    def test_a_real_zip_archive_can_be_attached(self, signed_in_client, ticket):
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("logs/app.log", "boom")
        response = signed_in_client.post(
            url(ticket), {"body": "Logs", "attachment": SimpleUploadedFile("logs.zip", buffer.getvalue())}
        )
        assert response.status_code == 302
        assert ticket.comments.get(body="Logs").attachment.name.endswith(".zip")

    def test_wrong_type_and_empty_note_get_messages(self, signed_in_client, ticket):
        before = ticket.comments.count()
        response = signed_in_client.post(url(ticket), {"body": "x", "attachment": SimpleUploadedFile("run.exe", b"MZ")})
        assert "cannot be attached" in response.content.decode()
        response = signed_in_client.post(url(ticket), {"body": ""})
        assert "Please write a note." in response.content.decode()
        assert ticket.comments.count() == before

    def test_reopen_a_resolved_ticket(self, signed_in_client, ticket):
        assert b"Reopen ticket" not in signed_in_client.get(url(ticket)).content
        ticket.status = TicketStatus.RESOLVED
        ticket.save()
        assert b"Reopen ticket" in signed_in_client.get(url(ticket)).content
        assert signed_in_client.get(url(ticket, "reopen/")).status_code == 405
        signed_in_client.post(url(ticket, "reopen/"), {"reason": "Came back this morning"})
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.OPEN


class TestStaffAdmin:
    @pytest.fixture
    def staff_client(self, client):
        client.force_login(StaffUserFactory(email="agent@example.com", first_name="Alex"))
        return client

    def edit(self, client, ticket, **data):
        payload = {
            "status": ticket.status,
            "assigned_to": "",
            "severity": ticket.severity,
            "category": ticket.category,
            "reply": "",
            "reply_visibility": "public",
            **data,
        }
        return client.post(f"/admin/portal_models/ticket/edit/{ticket.pk}/", payload)

    def test_list_with_filters_and_search(self, staff_client, ticket):
        TicketFactory(account=ticket.account, subject="Unrelated", status=TicketStatus.CLOSED)
        response = staff_client.get("/admin/portal_models/ticket/", {"q": "Label"})
        assert response.status_code == 200
        assert "Label printer offline" in response.content.decode() and "Unrelated" not in response.content.decode()
        assert (
            "Label printer offline"
            in staff_client.get("/admin/portal_models/ticket/", {"q": ticket.number}).content.decode()
        )
        closed = staff_client.get("/admin/portal_models/ticket/", {"status__exact": "closed"}).content.decode()
        assert "Unrelated" in closed and "Label printer offline" not in closed
        edit = staff_client.get(f"/admin/portal_models/ticket/edit/{ticket.pk}/").content.decode()
        assert SECRET in edit and "Internal note" in edit  # staff see the whole thread

    def test_internal_note_from_admin_never_reaches_the_customer(self, staff_client, ticket, commit):
        with commit():
            response = self.edit(
                staff_client, ticket, reply="Internal only: check licence", reply_visibility="internal"
            )
        assert response.status_code == 302
        note = ticket.comments.get(body="Internal only: check licence")
        assert note.is_public is False and note.author.email == "agent@example.com"
        assert mail.outbox == []
        customer = Client()
        customer.force_login(ticket.created_by)
        assert "check licence" not in customer.get(url(ticket)).content.decode()
        assert "check licence" not in customer.get(url(suffix="export/")).content.decode()

    def test_public_reply_status_and_assignment_from_admin_email_the_customer(self, staff_client, ticket, commit):
        agent = StaffUserFactory()
        with commit():
            response = self.edit(
                staff_client, ticket, reply="Fixed on our side.", status=TicketStatus.RESOLVED, assigned_to=agent.pk
            )
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assigned_to) == (TicketStatus.RESOLVED, agent)
        assert ticket.comments.get(body="Fixed on our side.").is_public
        assert [m.to for m in mail.outbox] == [[ticket.created_by.email]]  # one email for the save
        [reply] = mail.outbox
        assert "Fixed on our side." in reply.body and "Resolved" in reply.subject
        # links to the ticket in the customer's portal, naming its company (for a customer of several)
        assert f"/acme/tickets/{ticket.pk}/?account={ticket.account.number}" in reply.body

    def test_admin_oversize_attachment_gets_a_message(self, staff_client, ticket, settings):
        settings.PORTAL_TICKET_ATTACHMENT_MAX_BYTES = 1024
        before = ticket.comments.count()
        response = staff_client.post(
            f"/admin/portal_models/ticket/edit/{ticket.pk}/",
            {
                "status": ticket.status,
                "severity": ticket.severity,
                "category": ticket.category,
                "reply": "See file",
                "reply_visibility": "public",
                "reply_attachment": SimpleUploadedFile("big.pdf", b"x" * 4096),
            },
        )
        assert response.status_code == 200 and "attachments may be at most" in response.content.decode()
        assert ticket.comments.count() == before

    def test_customers_cannot_use_the_admin(self, signed_in_client, ticket):
        response = signed_in_client.get(f"/admin/portal_models/ticket/edit/{ticket.pk}/")
        assert response.status_code in (302, 403)
