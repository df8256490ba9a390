from django.db import migrations, models

# The invoice search (number contains ...) on PostgreSQL: a trigram index on the expression Django's
# icontains compares, so a search does not read every invoice of the account. SQLite has no equivalent.
TRGM_INDEX = (
    "CREATE INDEX IF NOT EXISTS invoice_number_trgm ON portal_models_invoice "
    "USING gin ((UPPER(number::text)) gin_trgm_ops)"
)


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(TRGM_INDEX)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS invoice_number_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0011_security_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="data_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="tenant",
            name="data_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
