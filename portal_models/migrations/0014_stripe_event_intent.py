"""A Stripe event names its PaymentIntent instead of linking to a Payment after the fact: recording an event takes
one write less, and a payment's events are those of its intent (``Payment.stripe_events``)."""

from django.db import migrations, models


def intent_of(payload: dict) -> str:
    obj = (payload.get("data") or {}).get("object") or {}
    intent = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    return (intent.get("id", "") if isinstance(intent, dict) else intent or "")[:100]


def fill_intents(apps, schema_editor):
    StripeEvent = apps.get_model("portal_models", "StripeEvent")
    events = list(StripeEvent.objects.only("payload"))
    for event in events:
        event.payment_intent_id = intent_of(event.payload or {})
    StripeEvent.objects.bulk_update(events, ["payment_intent_id"], batch_size=500)


def link_payments(apps, schema_editor):
    StripeEvent = apps.get_model("portal_models", "StripeEvent")
    Payment = apps.get_model("portal_models", "Payment")
    payments = dict(
        Payment.objects.exclude(stripe_payment_intent_id=None).values_list("stripe_payment_intent_id", "pk")
    )
    events = list(StripeEvent.objects.exclude(payment_intent_id=""))
    for event in events:
        event.payment_id = payments.get(event.payment_intent_id)
    StripeEvent.objects.bulk_update(events, ["payment"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0013_cache_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="stripeevent",
            name="payment_intent_id",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.RunPython(fill_intents, link_payments),
        migrations.RemoveField(
            model_name="stripeevent",
            name="payment",
        ),
    ]
