"""Stripe's webhook endpoint: verify the signature, record the event once."""

import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal_models.gateways import stripe as gateway
from portal_models.services.payments import stripe_event_process

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = gateway.webhook_event(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    stripe_event_process(event=event)
    return HttpResponse("ok", content_type="text/plain")
