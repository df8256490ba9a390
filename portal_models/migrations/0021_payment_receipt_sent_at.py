from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0020_ledger_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="receipt_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
