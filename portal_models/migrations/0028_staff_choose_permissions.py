"""Every staff role may use the document and image choosers (ADMIN_BASICS in services/tenants.py). The role
groups were made before Wagtail's own migrations created those two permissions whenever the migration graph
ordered them so (0008 did not depend on them): give them to the template groups and every tenant's staff
groups now that they exist."""

from django.db import migrations

BASICS = [("wagtaildocs", "choose_document"), ("wagtailimages", "choose_image")]
TEMPLATES = ["Billing staff", "Support staff", "Marketing"]


def _groups(apps):
    Group = apps.get_model("auth", "Group")
    TenantStaffGroup = apps.get_model("portal_models", "TenantStaffGroup")
    staff = TenantStaffGroup.objects.values_list("group_id", flat=True)
    return Group.objects.filter(name__in=TEMPLATES) | Group.objects.filter(pk__in=list(staff))


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in BASICS]


def grant(apps, schema_editor):
    permissions = _permissions(apps)
    for group in _groups(apps):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0027_orders_staff_permissions"),
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
