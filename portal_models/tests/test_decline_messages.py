"""Card decline messages reach the Spanish catalogue: a Spanish customer reads a declined card in Spanish."""

import pytest
from django.utils import translation

from portal_models.gateways.stripe import DECLINE_MESSAGES, decline_message
from portal_models.languages import language_for
from portal_models.tests.factories import LoginContactFactory


@pytest.mark.django_db
def test_a_spanish_customer_reads_a_declined_card_in_spanish():
    contact = LoginContactFactory(account__tenant__languages=["en", "es"], user__language="es")
    language = language_for(tenant=contact.account.tenant, user=contact.user, requested="en")
    assert language == "es"
    with translation.override(language):
        assert decline_message("card_declined") == "Su tarjeta fue rechazada. Use otra tarjeta o contacte con su banco."
        assert decline_message("expired_card") == "Su tarjeta ha caducado. Use otra tarjeta."
        assert decline_message("unknown_code") == decline_message("card_declined")


@pytest.mark.parametrize("code", sorted(DECLINE_MESSAGES))
def test_every_decline_message_is_translated(code):
    with translation.override("en"):
        english = decline_message(code)
    with translation.override("es"):
        assert decline_message(code) != english
