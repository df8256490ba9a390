"""A refund permission for billing staff; support staff manage their tenants' case roles.

Both go to the role template groups and to every tenant's existing group of that role.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    ("Billing staff", "billing"): [("portal_models", "refund_payment")],
    ("Support staff", "support"): [
        ("portal_models", f"{action}_caserole") for action in ("view", "add", "change", "delete")
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    TenantStaffGroup = apps.get_model("portal_models", "TenantStaffGroup")
    for (template_name, role), codes in GRANTS.items():
        permissions = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in codes
        ]
        group_ids = list(TenantStaffGroup.objects.filter(role=role).values_list("group_id", flat=True))
        for group in Group.objects.filter(name=template_name) | Group.objects.filter(pk__in=group_ids):
            group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    TenantStaffGroup = apps.get_model("portal_models", "TenantStaffGroup")
    for (template_name, role), codes in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="portal_models", codename__in=[code for _app, code in codes]
        )
        group_ids = list(TenantStaffGroup.objects.filter(role=role).values_list("group_id", flat=True))
        for group in Group.objects.filter(name=template_name) | Group.objects.filter(pk__in=group_ids):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0008_staff_role_groups"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="payment",
            options={
                "ordering": ["-received_at", "-id"],
                "permissions": [("refund_payment", "Can refund card payments")],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
