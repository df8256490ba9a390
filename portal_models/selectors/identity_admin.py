"""Reads for the staff screens of identity (portal logins, lockouts)."""

from django.db.models import Q, QuerySet

from portal_models.models import Contact


def contacts_for_logins(*, search: str = "") -> QuerySet[Contact]:
    contacts = Contact.objects.select_related("account__tenant", "user").order_by(
        "account__tenant__name", "account__name", "last_name", "pk"
    )
    if search:
        contacts = contacts.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(account__name__icontains=search)
        )
    return contacts


def lockouts():
    from axes.models import AccessAttempt

    return AccessAttempt.objects.order_by("-attempt_time")
