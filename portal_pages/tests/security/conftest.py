import pytest
from django.apps import apps
from django.test import Client
from wagtail.documents import get_document_model

from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401

from .world import Holder


class World:
    """Tenant A's portal with the attacker's account and a neighbour account, tenant B's portal with a foreign one."""

    def __init__(self, portal_a, portal_b, stripe=None):
        self.home_a, self.home_b = portal_a, portal_b
        self.attacker = Holder(portal_a, name="Attacker Co.", localstripe=stripe)
        self.neighbour = Holder(portal_a, name="Neighbour Ltd.", localstripe=stripe)
        self.foreigner = Holder(portal_b, name="Foreign GmbH", localstripe=stripe)

    def client_for(self, holder=None, **kwargs) -> Client:
        client = Client(**kwargs)
        if holder is not None:
            client.force_login(holder.user)
        return client

    def login_url(self, home) -> str:
        return home.login_page.url


@pytest.fixture
def make_world(portal_a, portal_b, request):
    """``make_world(stripe=True)`` when the records include PaymentIntents (a real localstripe)."""

    def make(*, stripe: bool = False) -> World:
        return World(portal_a, portal_b, request.getfixturevalue("localstripe") if stripe else None)

    return make


@pytest.fixture
def world(make_world):
    return make_world()


def db_state() -> dict:
    """Every row of the portal's records (and Wagtail documents): equal before and after means nothing changed."""
    state = {}
    for model in [*apps.get_app_config("portal_models").get_models(), get_document_model()]:
        state[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
    return state


def assert_unchanged(before: dict, after: dict, what: str) -> None:
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"{what} changed {', '.join(changed)}"
