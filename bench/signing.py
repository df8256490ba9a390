"""Stripe-style webhook events for the benchmark, signed as Stripe signs them (no Django needed)."""

import hashlib
import hmac
import json
from decimal import Decimal


def sign_event(n: int, account_id: int, invoice_pk: int, amount, *, secret: str, stamp: int) -> tuple[str, str]:
    """A ``payment_intent.succeeded`` event for one invoice, signed as Stripe signs webhooks."""
    cents = int((Decimal(str(amount)) * 100).to_integral_value())
    event = {
        "id": f"evt_bench_{n}",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": f"pi_bench_{n}",
                "object": "payment_intent",
                "amount": cents,
                "amount_received": cents,
                "currency": "usd",
                "status": "succeeded",
                "metadata": {
                    "portal_account_id": str(account_id),
                    "invoices": f"{invoice_pk}:{Decimal(str(amount)):.2f}",
                    "fee": "0.00",
                },
            }
        },
    }
    body = json.dumps(event, separators=(",", ":"))
    mac = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={mac}"
