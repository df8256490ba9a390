"""Reads for the staff screens of identity (portal logins, lockouts)."""

from django.db.models import Q, QuerySet

from portal_models.models import Contact, User
from portal_models.staff_access import staff_scope, staff_tenant_ids


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


def lockouts(*, user):
    """The sign-in lockouts ``user`` may see and lift: those of the users of their tenants (all for superusers)."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.order_by("-attempt_time")
    if staff_tenant_ids(user) is None:
        return attempts
    emails = staff_scope(user=user, queryset=User.objects.all()).values("email")
    return attempts.filter(username__in=emails)
