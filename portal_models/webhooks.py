"""Stripe's webhook endpoint: verify the signature, record the event once.

Answers: 400 for a delivery that does not verify (Stripe will not send it differently); 200 once the event is
recorded, is a duplicate of one recorded, or was refused and flagged (a mismatch or a malformed object); 503
when it conflicted with another write and was rolled back, so that Stripe delivers it again."""

import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal_models.gateways import stripe as gateway
from portal_models.services.audit import WEBHOOK_SOURCE
from portal_models.services.payments import WebhookConflict, stripe_event_process

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    request.audit_source = WEBHOOK_SOURCE  # audit events written now are Stripe's, not the customer's request
    try:
        event = gateway.webhook_event(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    try:
        stripe_event_process(event=event)
    except WebhookConflict:
        return HttpResponse("conflict, retry", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
