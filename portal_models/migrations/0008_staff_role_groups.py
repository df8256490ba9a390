"""Ship the staff role template groups: Marketing, Billing staff, Support staff."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Marketing": [("wagtailadmin", "access_admin")],
    "Billing staff": [("wagtailadmin", "access_admin")]
    + [
        ("portal_models", f"{action}_{model}")
        for model in ("account", "contact", "invoice", "invoiceline", "creditmemo", "payment")
        for action in ("view", "add", "change", "delete")
    ]
    + [
        ("portal_models", f"{action}_{model}")
        for model in ("paymentallocation", "service", "servicerequirement")
        for action in ("view", "change")
    ],
    "Support staff": [("wagtailadmin", "access_admin")]
    + [
        ("portal_models", f"{action}_{model}")
        for model in ("ticket", "ticketcomment", "case", "caseassignment", "casenote")
        for action in ("view", "add", "change", "delete")
    ]
    + [("portal_models", f"view_{model}") for model in ("contact", "account")],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is None:
                raise RuntimeError(f"Missing permission {app_label}.{codename}")
            group.permissions.add(permission)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0007_tenant_staff_groups"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
