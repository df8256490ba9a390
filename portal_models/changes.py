"""Signals of changes to records that other parts of the project keep something for (a stored document)."""

from django.dispatch import Signal

# Sent with ``invoice`` inside the transaction of every change of what an issued invoice shows: its issue, a
# payment, a credit, a void, a reversal or a refund (services.billing.invoice_recalculate, which all of them call).
# The portal's receiver renders the invoice's PDF again in the task worker (portal_pages/billing/documents.py).
invoice_changed = Signal()
