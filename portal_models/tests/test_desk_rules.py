"""Staff side of tickets and cases, through the admin test client for two tenants: line-break subjects, bounded
notes, one email per staff save, assignee lists and refused POSTs, typed dates on a case."""

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal_models.models import Case, CaseAssignment, CaseRole, CaseStatus, StaffRole, TicketComment, TicketStatus
from portal_models.services import tickets as services
from portal_models.services.cases import case_document_upload
from portal_models.services.tickets import TEXT_MAX_LENGTH

from .factories import PDF_BYTES, UserFactory, default_case_roles
from .tenant_world import MARK_A, MARK_B, build_tenant_records, staff_user

pytestmark = pytest.mark.django_db

TICKET_EDIT = "/admin/portal_models/ticket/edit/{}/"
CASE_EDIT = "/admin/portal_models/case/edit/{}/"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def world(db):
    default_case_roles()
    a, b = build_tenant_records(MARK_A), build_tenant_records(MARK_B)
    for records in (a, b):
        slug = records.mark.lower()
        records.support = staff_user(records, StaffRole.SUPPORT, email=f"support@{slug}.example.com")
        records.billing = staff_user(records, StaffRole.BILLING, email=f"billing@{slug}.example.com")
        records.marketing = staff_user(records, StaffRole.MARKETING, email=f"marketing@{slug}.example.com")
        records.ticket = records.objects["portal_models.ticket"]
        records.case = records.objects["portal_models.case"]
        records.customer = records.objects["portal_models.contact"].user
        assert records.ticket.comments.count() == 1  # tenant_world gives every ticket one comment
    return {"a": a, "b": b}


@pytest.fixture(params=["a", "b"])
def side(request, world):
    """Each test runs for both tenants: (this tenant's records, the other tenant's)."""
    other = "b" if request.param == "a" else "a"
    return world[request.param], world[other]


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ticket_payload(ticket, **data):
    return {
        "status": ticket.status,
        "assigned_to": "",
        "severity": ticket.severity,
        "category": ticket.category,
        "reply": "",
        "reply_visibility": "public",
        **data,
    }


class TestTicketText:
    def test_line_break_subject_is_one_line_and_every_email_goes_out(self, side, commit):
        records, _other = side
        with commit():
            ticket = services.ticket_open(
                account=records.ticket.account,
                user=records.customer,
                subject="Printer down\r\nBcc: victim@example.com\n\nagain",
                description="It stopped.",
            )
        assert ticket.subject == "Printer down Bcc: victim@example.com again"
        [to_support] = mail.outbox
        assert to_support.to == [records.tenant.support_email]
        assert "\n" not in to_support.subject and "\r" not in to_support.subject
        assert to_support.subject.endswith("Printer down Bcc: victim@example.com again")
        assert to_support.message()["Bcc"] is None
        mail.outbox.clear()
        client = staff_client(records.support)
        with commit():
            response = client.post(TICKET_EDIT.format(ticket.pk), ticket_payload(ticket, reply="On it."))
        assert response.status_code == 302
        [reply] = mail.outbox
        assert reply.to == [records.customer.email] and "On it." in reply.body
        assert reply.subject == f"[{ticket.reference}] New reply: Printer down Bcc: victim@example.com again"

    def test_a_one_megabyte_note_is_refused_next_to_the_field_with_the_limit(self, side, commit):
        records, _other = side
        ticket = records.ticket
        huge = "x" * 1_000_000
        with commit(), pytest.raises(services.ValidationError) as error:
            services.ticket_comment_add(ticket=ticket, user=records.customer, body=huge)
        assert "10,000" in error.value.message_dict["body"][0]
        client = staff_client(records.support)
        with commit():
            response = client.post(TICKET_EDIT.format(ticket.pk), ticket_payload(ticket, reply=huge))
        assert response.status_code == 200
        form = response.context["form"]
        assert "10000" in form.errors["reply"][0] or "10,000" in form.errors["reply"][0]
        assert ticket.comments.count() == 1 and mail.outbox == []
        # within the bound: accepted, and one email
        with commit():
            response = client.post(TICKET_EDIT.format(ticket.pk), ticket_payload(ticket, reply="y" * TEXT_MAX_LENGTH))
        assert response.status_code == 302
        assert len(mail.outbox) == 1 and len(mail.outbox[0].body) < TEXT_MAX_LENGTH + 2000

    def test_reply_plus_status_change_is_one_email_saying_both(self, side, commit):
        records, _other = side
        ticket = records.ticket
        client = staff_client(records.support)
        with commit():
            response = client.post(
                TICKET_EDIT.format(ticket.pk),
                ticket_payload(ticket, reply="Replaced the fuser.", status=TicketStatus.RESOLVED),
            )
        assert response.status_code == 302
        [message] = mail.outbox
        assert message.to == [records.customer.email]
        assert message.subject == f"[{ticket.reference}] New reply, status changed to Resolved: {ticket.subject}"
        assert "Replaced the fuser." in message.body
        assert "The status changed from Open to Resolved." in message.body
        html = message.alternatives[0][0]
        assert "Replaced the fuser." in html and "Resolved" in html

    def test_status_change_with_internal_note_is_one_status_email(self, side, commit):
        records, _other = side
        ticket = records.ticket
        with commit():
            staff_client(records.support).post(
                TICKET_EDIT.format(ticket.pk),
                ticket_payload(ticket, reply="SECRET note", reply_visibility="internal", status="waiting_on_customer"),
            )
        [message] = mail.outbox
        assert "Waiting on customer" in message.subject and "SECRET" not in message.body


class TestTicketAssignees:
    def test_the_list_offers_the_tenants_support_and_billing_staff_only(self, side):
        records, other = side
        for viewer in (records.support, UserFactory(is_staff=True, is_superuser=True)):
            form = staff_client(viewer).get(TICKET_EDIT.format(records.ticket.pk)).context["form"]
            offered = set(form.fields["assigned_to"].queryset)
            assert {records.support, records.billing} <= offered
            assert records.marketing not in offered
            assert not offered & {other.support, other.billing, other.marketing}
            assert records.customer not in offered

    @pytest.mark.parametrize("who", ["marketing", "other_support", "customer"])
    def test_a_direct_post_with_anyone_else_is_refused(self, side, who, commit):
        records, other = side
        assignee = {"marketing": records.marketing, "other_support": other.support, "customer": records.customer}[who]
        superuser = UserFactory(is_staff=True, is_superuser=True)
        ticket = records.ticket
        with commit():
            response = staff_client(superuser).post(
                TICKET_EDIT.format(ticket.pk), ticket_payload(ticket, assigned_to=assignee.pk, reply="Hello")
            )
        assert response.status_code == 200 and response.context["form"].errors["assigned_to"]
        ticket.refresh_from_db()
        assert ticket.assigned_to is None and ticket.comments.count() == 1 and mail.outbox == []
        with pytest.raises(services.ValidationError):
            services.ticket_assign(ticket=ticket, assignee=assignee)

    def test_assigning_a_colleague_then_replying_sends_one_email(self, side, commit):
        records, _other = side
        ticket = records.ticket
        with commit():
            response = staff_client(records.support).post(
                TICKET_EDIT.format(ticket.pk),
                ticket_payload(ticket, assigned_to=records.billing.pk, reply="Billing will follow up."),
            )
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.assigned_to == records.billing
        [message] = mail.outbox
        assert "Billing will follow up." in message.body


class TestCaseAssignees:
    URL = "/admin/cases/role-assignment/"

    def test_the_list_offers_the_accounts_contacts_and_the_tenants_desk_staff(self, side):
        records, other = side
        response = staff_client(records.support).get(self.URL, {"case": records.case.pk})
        offered = set(response.context["form"].fields["users"].queryset)
        assert {records.customer, records.support, records.billing} <= offered
        assert records.marketing not in offered
        assert not offered & {other.customer, other.support, other.billing, other.marketing}

    @pytest.mark.parametrize("who", ["marketing", "other_support", "other_customer"])
    def test_a_direct_post_with_anyone_else_is_refused(self, side, who):
        records, other = side
        user = {"marketing": records.marketing, "other_support": other.support, "other_customer": other.customer}[who]
        superuser = UserFactory(is_staff=True, is_superuser=True)
        role = CaseRole.objects.get(tenant=None, name="Client")
        before = CaseAssignment.objects.count()
        response = staff_client(superuser).post(
            self.URL, {"case": records.case.pk, "users": [user.pk], "role": role.pk}
        )
        assert response.status_code == 400 and response.context["form"].errors["users"]
        assert CaseAssignment.objects.count() == before


class TestCaseDates:
    def post(self, records, **data):
        case = records.case
        payload = {
            "account": case.account_id,
            "number": case.number,
            "status": case.status,
            "title": case.title,
            "description": "",
            "opened_on": "2026-01-05",
            "closed_on": "",
            **data,
        }
        return staff_client(records.support).post(CASE_EDIT.format(case.pk), payload)

    @pytest.mark.parametrize("typed", ["31/31/2026", "yesterday", "2026-02-30"])
    def test_garbage_dates_are_errors_next_to_the_field_and_change_nothing(self, side, typed):
        records, _other = side
        before = Case.objects.get(pk=records.case.pk)
        response = self.post(records, opened_on=typed, closed_on=typed, status=CaseStatus.INACTIVE)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "YYYY-MM-DD" in errors["opened_on"][0] and "YYYY-MM-DD" in errors["closed_on"][0]
        after = Case.objects.get(pk=records.case.pk)
        assert (after.opened_on, after.closed_on, after.status) == (before.opened_on, before.closed_on, before.status)

    def test_an_active_case_has_no_closed_date(self, side):
        records, _other = side
        response = self.post(records, status=CaseStatus.ACTIVE, closed_on="2026-02-01")
        assert response.status_code == 200
        assert "active case has no closed date" in response.context["form"].errors["closed_on"][0]
        assert Case.objects.get(pk=records.case.pk).closed_on is None
        response = self.post(records, status=CaseStatus.INACTIVE, closed_on="2026-02-01")
        assert response.status_code == 302
        case = Case.objects.get(pk=records.case.pk)
        assert (case.status, str(case.closed_on), str(case.opened_on)) == ("inactive", "2026-02-01", "2026-01-05")


class TestAttachments:
    @pytest.fixture
    def attachment(self, side):
        records, _other = side
        comment = TicketComment(ticket=records.ticket, author=records.customer, body="Screenshot attached")
        comment.attachment = ContentFile(PDF_BYTES, name="error.pdf")
        comment.save()
        return comment

    def test_staff_open_a_ticket_attachment_of_their_tenant_from_the_thread(self, side, attachment):
        records, other = side
        client = staff_client(records.support)
        edit = client.get(TICKET_EDIT.format(records.ticket.pk)).content.decode()
        url = reverse("ticket_attachment_download", args=[records.ticket.pk, attachment.pk])
        assert url in edit and "/media/" not in edit
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert 'attachment; filename="error.pdf"' in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]

    def test_another_tenants_staff_and_customers_get_nothing(self, side, attachment):
        records, other = side
        url = reverse("ticket_attachment_download", args=[records.ticket.pk, attachment.pk])
        assert staff_client(other.support).get(url).status_code == 404
        wrong_ticket = reverse("ticket_attachment_download", args=[other.ticket.pk, attachment.pk])
        assert staff_client(UserFactory(is_staff=True, is_superuser=True)).get(wrong_ticket).status_code == 404
        assert staff_client(records.customer).get(url).status_code in (302, 403)
        assert Client().get(url).status_code == 302  # to the admin's sign-in

    def test_attachments_are_signed_urls_on_s3(self, side, attachment, settings):
        from portal_models import downloads

        records, _other = side
        calls = []

        class FakeS3:
            bucket_name = "private"

            def url(self, name, parameters=None, expire=None):
                calls.append((name, parameters, expire))
                return f"https://s3.example.com/{name}?signature=x"

        field = attachment.attachment
        field.storage = FakeS3()
        assert downloads.signed_url(field, filename="error.pdf").startswith("https://s3.example.com/tickets/")
        assert calls[0][2] == downloads.SIGNED_URL_SECONDS

    def test_staff_open_case_documents_from_the_case_through_the_private_download(self, side):
        records, other = side
        document = case_document_upload(
            case=records.case,
            upload=SimpleUploadedFile("lease.pdf", PDF_BYTES, content_type="application/pdf"),
            user=records.customer,
        )
        client = staff_client(records.support)
        edit = client.get(CASE_EDIT.format(records.case.pk)).content.decode()
        assert document.url in edit and document.filename in edit
        response = client.get(document.url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body == PDF_BYTES
        assert staff_client(other.support).get(document.url).status_code == 404
        assert staff_client(other.support).get(CASE_EDIT.format(records.case.pk)).status_code in (302, 403, 404)
