# Billing staff make and revoke their tenant's integration API keys (the ERP's sync): view, add and change
# (revoking) of ApiKey to the "Billing staff" template group and every tenant's billing group (new ones get them from
# services/tenants.py).
from django.contrib.auth.management import create_permissions
from django.db import migrations

CODES = ["view_apikey", "add_apikey", "change_apikey"]


def _groups(apps):
    Group = apps.get_model("auth", "Group")
    TenantStaffGroup = apps.get_model("portal_models", "TenantStaffGroup")
    group_ids = list(TenantStaffGroup.objects.filter(role="billing").values_list("group_id", flat=True))
    return Group.objects.filter(name="Billing staff") | Group.objects.filter(pk__in=group_ids)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="portal_models", codename__in=CODES))
    for group in _groups(apps):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="portal_models", codename__in=CODES)
    for group in _groups(apps):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0037_check_wait_and_reminders"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
