"""Reads for identity screens."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from portal_models import access
from portal_models.models import Account, Contact, Tenant, User
from portal_models.services.identity import set_password_tokens


def user_from_set_password_link(*, tenant: Tenant, uidb64: str, token: str) -> User | None:
    """The user of a valid, unused, unexpired link, if they may sign in on ``tenant``; else None."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    if not set_password_tokens.check_token(user, token):
        return None
    if not access.can_sign_in(user=user, tenant=tenant):
        return None
    return user


def system_access_contacts(*, account: Account) -> QuerySet[Contact]:
    """Every contact of the account with its login state, for the System access screen."""
    return Contact.objects.filter(account=account).select_related("user").order_by("-can_login", "last_name", "pk")
