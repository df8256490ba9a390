from django.db import migrations

ROLES = {
    "Client": {
        "description": "Customers: see the case, its documents and invoices, upload documents and post notes.",
        "view_case": "allow",
        "view_documents": "allow",
        "upload_documents": "allow",
        "view_invoices": "allow",
        "post_notes": "allow",
        "manage_assignments": "deny",
    },
    "Staff": {
        "description": "Colleagues working the case: everything, including assignments.",
        "view_case": "allow",
        "view_documents": "allow",
        "upload_documents": "allow",
        "view_invoices": "allow",
        "post_notes": "allow",
        "manage_assignments": "allow",
    },
}


def seed(apps, schema_editor):
    CaseRole = apps.get_model("portal_models", "CaseRole")
    for name, grid in ROLES.items():
        if not CaseRole.objects.filter(tenant=None, name=name).exists():
            CaseRole.objects.create(name=name, tenant=None, **grid)


def unseed(apps, schema_editor):
    apps.get_model("portal_models", "CaseRole").objects.filter(
        tenant=None, name__in=list(ROLES), assignments__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("portal_models", "0002_cases")]

    operations = [migrations.RunPython(seed, unseed)]
