"""Marketing writes its tenant's announcements (Snippets › Announcements): all rights on them, to the "Marketing"
template group and every tenant's marketing group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODES = [("portal_models", f"{action}_announcement") for action in ("view", "add", "change", "delete")]


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
    dependencies = [("portal_models", "0034_phone_numbers_e164")]

    operations = [migrations.RunPython(grant, revoke)]
