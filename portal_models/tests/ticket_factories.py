import factory
from factory.django import DjangoModelFactory

from portal_models.models import Ticket, TicketComment, TicketStatus

from .factories import AccountFactory, UserFactory


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    number = factory.Sequence(lambda n: 5000 + n)
    subject = factory.Sequence(lambda n: f"Printer problem {n}")
    description = "The printer on line 3 is offline."
    status = TicketStatus.OPEN
    created_by = factory.SubFactory(UserFactory)


class TicketCommentFactory(DjangoModelFactory):
    class Meta:
        model = TicketComment

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SubFactory(StaffUserFactory)
    body = factory.Sequence(lambda n: f"Reply number {n}")
    is_public = True
