import factory
from factory.django import DjangoModelFactory

from portal_models.models import Account, Contact, Tenant, User

PASSWORD = "Sup3r-secret!"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    support_email = factory.LazyAttribute(lambda o: f"support@{o.slug}.example.com")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: f"A-{1000 + n}")
    name = factory.Faker("company")
    city = "Aurora"
    state = "IL"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    is_main = True


class LoginContactFactory(ContactFactory):
    """A contact with a User and the right to sign in (and pay)."""

    user = factory.SubFactory(
        UserFactory,
        email=factory.SelfAttribute("..email"),
        first_name=factory.SelfAttribute("..first_name"),
        last_name=factory.SelfAttribute("..last_name"),
    )
    can_login = True
    can_pay = True


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = "portal_models.Case"

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"CASE-{100 + n}")
    title = factory.Faker("sentence", nb_words=4)
    description = "Details of the matter."


class CaseRoleFactory(DjangoModelFactory):
    class Meta:
        model = "portal_models.CaseRole"

    name = factory.Sequence(lambda n: f"Role {n}")
    view_case = "allow"


def default_case_roles():
    """The seeded "Client" / "Staff" roles (transactional browser tests flush data-migration rows)."""
    from portal_models.services.cases import case_roles_ensure_defaults

    return case_roles_ensure_defaults()
