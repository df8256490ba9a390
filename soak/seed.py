"""Soak data: one tenant portal, 50 customers (distinct users, each their own account with invoices and a
ticket) and one account whose 60 open invoices are paid by signed webhooks during the PostgreSQL restart.
Run inside Django (soak/run.py calls :func:`seed`)."""

from datetime import date, timedelta


def seed(*, customers: int, webhook_invoices: int) -> dict:
    from portal_models.services import billing
    from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, TicketFactory
    from portal_pages.tests.factories import make_portal

    home = make_portal(name="Soak Utilities", slug="soak", primary="#0b4f8a", accent="#16a34a")
    tenant = home.tenant
    today = date.today()
    users = []
    for n in range(customers):
        account = AccountFactory(tenant=tenant, name=f"Soak Customer {n:02d}")
        contact = LoginContactFactory(account=account, email=f"soak{n:02d}@example.com", is_billing=True)
        invoices = [
            billing.invoice_create(
                account=account,
                number=f"S{n:02d}-{i}",
                lines=[{"description": "Monthly service", "unit_price": f"{120 + i * 15}.00"}],
                invoice_date=today - timedelta(days=40 - i * 10),
                due_date=today - timedelta(days=10 - i * 10),
            ).pk
            for i in range(4)
        ]
        TicketFactory(account=account, created_by=contact.user, subject=f"Meter reading question {n}")
        users.append({"email": contact.email, "password": PASSWORD, "invoices": invoices})
    payer_account = AccountFactory(tenant=tenant, name="Webhook payer")
    payer = LoginContactFactory(account=payer_account, email="payer@example.com")
    paid = [
        {
            "invoice": billing.invoice_create(
                account=payer_account,
                number=f"W-{i:03d}",
                lines=[{"description": "Usage", "unit_price": "100.00"}],
                due_date=today + timedelta(days=30),
            ).pk,
            "amount": "100.00",
        }
        for i in range(webhook_invoices)
    ]
    return {
        "slug": home.slug,
        "tenant_id": tenant.pk,
        "users": users,
        "payer": {"account_id": payer_account.pk, "user_id": payer.user_id, "invoices": paid},
        "currency": tenant.currency.lower(),
    }
