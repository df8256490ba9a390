"""Marketing translates its portal's pages: the Marketing role (template and tenants' groups) gets Wagtail's
submit_translation permission, and translations that already exist get the page rights of their source page
(from now on ``portal_models.services.tenants.page_permissions_follow_translation`` does it when one is made)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _marketing_groups(apps):
    Group = apps.get_model("auth", "Group")
    TenantStaffGroup = apps.get_model("portal_models", "TenantStaffGroup")
    tenant_groups = TenantStaffGroup.objects.filter(role="marketing").values("group_id")
    return Group.objects.filter(name="Marketing") | Group.objects.filter(pk__in=tenant_groups)


def _permission(apps):
    for app_config in apps.get_app_configs():  # permissions are normally created after all migrations
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label="simple_translation", codename="submit_translation")


def grant(apps, schema_editor):
    permission = _permission(apps)
    groups = list(_marketing_groups(apps))
    for group in groups:
        group.permissions.add(permission)
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    for granted in GroupPagePermission.objects.filter(group__in=groups).select_related("page"):
        for translation in Page.objects.filter(translation_key=granted.page.translation_key).exclude(
            pk=granted.page_id
        ):
            GroupPagePermission.objects.get_or_create(
                group_id=granted.group_id, page=translation, permission_id=granted.permission_id
            )


def revoke(apps, schema_editor):
    permission = _permission(apps)
    for group in _marketing_groups(apps):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0014_stripe_event_intent"),
        ("simple_translation", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
