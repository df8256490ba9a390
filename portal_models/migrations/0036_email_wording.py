"""Email wording per tenant and language (Snippets › Email wording); marketing edits it: all rights to the
"Marketing" template group and every tenant's marketing group."""

import django.db.models.deletion
import wagtail.models.preview
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import portal_models.email_wording

CODES = [("portal_models", f"{action}_emailwording") for action in ("view", "add", "change", "delete")]


def _groups(apps):
    Group = apps.get_model("auth", "Group")
    TenantStaffGroup = apps.get_model("portal_models", "TenantStaffGroup")
    group_ids = list(TenantStaffGroup.objects.filter(role="marketing").values_list("group_id", flat=True))
    return Group.objects.filter(name="Marketing") | Group.objects.filter(pk__in=group_ids)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in CODES]
    for group in _groups(apps):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="portal_models", codename__in=[c for _a, c in CODES]
    )
    for group in _groups(apps):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0035_marketing_announcement_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmailWording",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "email",
                    models.CharField(
                        choices=portal_models.email_wording.email_choices, max_length=60, verbose_name="email"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("en", "English"), ("es", "Español")], max_length=10, verbose_name="language"
                    ),
                ),
                ("subject", models.CharField(max_length=200, verbose_name="subject")),
                (
                    "body",
                    models.TextField(
                        help_text="Blank lines start a new paragraph. The button, figures and legal lines stay.",
                        verbose_name="text",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="email_wordings",
                        to="portal_models.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "email wording",
                "verbose_name_plural": "email wording",
                "ordering": ["email", "language"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "email", "language"), name="email_wording_once_per_language"
                    )
                ],
            },
            bases=(wagtail.models.preview.PreviewableMixin, models.Model),
        ),
        migrations.RunPython(grant, revoke),
    ]
