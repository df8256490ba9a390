"""Identity: passwords, self-registration, forgot password, invitations and login rights."""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal_models import ratelimit
from portal_models.models import Account, Contact, RegistrationRequest, SecurityEventType, Tenant, User
from portal_models.services import invitations
from portal_models.services.audit import security_event_record
from portal_models.services.emails import send_branded_email, tenant_language

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_LIFETIME = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
CODE_MAX_SENDS = 5
HOUR = 60 * 60


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """One-time set-password links (invitations and forgot password).

    The token hashes the user's password and last login, so it dies as soon as it is used;
    it expires after ``PASSWORD_RESET_TIMEOUT`` (three days).
    """

    key_salt = "portal_models.services.identity.InvitationTokenGenerator"


set_password_tokens = InvitationTokenGenerator()


# --- passwords -----------------------------------------------------------------------------------


def user_set_password(*, user: User, password: str, from_link: bool = False) -> User:
    """Give ``user`` a password of their own choice (already validated); ends a temporary password.

    ``from_link``: set through a one-time link (forgot password, invitation) rather than changed while signed in.
    """
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    security_event_record(
        event=SecurityEventType.PASSWORD_RESET if from_link else SecurityEventType.PASSWORD_CHANGED, user=user
    )
    return user


def generate_temporary_password() -> str:
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    chars = [secrets.choice(letters) for _ in range(8)] + [secrets.choice("23456789") for _ in range(3)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def set_password_link(*, tenant: Tenant, user: User) -> str:
    home = getattr(tenant, "portal_home", None)
    if home is None:
        raise ValidationError(_("%(tenant)s has no portal yet; publish its portal first.") % {"tenant": tenant})
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = set_password_tokens.make_token(user)
    return home.get_full_url() + home.reverse_subpage("set_password", kwargs={"uidb64": uidb64, "token": token})


def _login_url(tenant: Tenant) -> str:
    home = getattr(tenant, "portal_home", None)
    if home is None:
        return settings.WAGTAILADMIN_BASE_URL
    login = home.login_page
    return login.get_full_url() if login else home.get_full_url()


# --- registration (seed 000) ---------------------------------------------------------------------


class VerifyResult(enum.Enum):
    OK = "ok"
    INVITED = "invited"  # the email belongs to an existing user: they were sent invitations to accept, signed in
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


def registrable_contacts(*, tenant: Tenant, email: str):
    """Contacts of ``tenant`` with login rights whose email is ``email`` (they may not have a User yet)."""
    return (
        Contact.objects.filter(account__tenant=tenant, account__is_active=True, can_login=True, email__iexact=email)
        .exclude(user__is_active=False)
        .select_related("user", "account")
        .order_by("pk")
    )


def _code_hash(registration: RegistrationRequest, code: str) -> str:
    return salted_hmac("portal.registration-code", f"{registration.pk}:{code.upper()}").hexdigest()


def _send_code(registration: RegistrationRequest) -> None:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    registration.code_hash = _code_hash(registration, code)
    registration.code_expires_at = timezone.now() + CODE_LIFETIME
    registration.attempts = 0
    registration.codes_sent += 1
    registration.save(update_fields=["code_hash", "code_expires_at", "attempts", "codes_sent"])
    send_branded_email(
        tenant=registration.tenant,
        to=[registration.email],
        template="registration_code",
        context={"registration": registration, "code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
    )


@transaction.atomic
def registration_start(
    *, tenant: Tenant, first_name: str, last_name: str, email: str, company: str, ip_address: str | None
) -> RegistrationRequest:
    """Register on ``tenant``'s portal: email a code to a known contact, or tell support about a stranger.

    Raises :class:`portal_models.ratelimit.RateLimited` past 10 tries an hour per address or 5 per email.
    """
    email = email.strip().lower()
    ratelimit.check(
        scope=f"register:{tenant.pk}",
        limits=[(f"ip:{ip_address}", 10, HOUR), (f"email:{email}", 5, HOUR)],
    )
    contact = registrable_contacts(tenant=tenant, email=email).first()
    registration = RegistrationRequest.objects.create(
        tenant=tenant,
        contact=contact,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        company=company.strip(),
        ip_address=ip_address,
        status=RegistrationRequest.Status.CODE_SENT if contact else RegistrationRequest.Status.NOT_FOUND,
    )
    if contact is None:
        send_branded_email(
            tenant=tenant,
            to=[tenant.support_email],
            template="registration_not_found",
            context={"registration": registration},
            language=tenant_language(tenant),
        )
    else:
        _send_code(registration)
    return registration


@transaction.atomic
def registration_resend(*, registration: RegistrationRequest) -> RegistrationRequest:
    """Email a new code; the previous one stops working. Raises RateLimited past the allowance."""
    registration = RegistrationRequest.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationRequest.Status.CODE_SENT or registration.codes_sent >= CODE_MAX_SENDS:
        raise ratelimit.RateLimited
    ratelimit.check(scope=f"register:{registration.tenant_id}", limits=[(f"email:{registration.email}", 5, HOUR)])
    _send_code(registration)
    return registration


@transaction.atomic
def registration_verify(*, registration: RegistrationRequest, code: str) -> VerifyResult:
    """Check the emailed code; on success create the User (linked to the contacts) and email a temporary password.

    A user who already exists is not linked by their email: each company's contact becomes an invitation they accept
    signed in as themselves (:func:`invitations.invitation_send`), and their password stays theirs (INVITED).
    """
    registration = (
        RegistrationRequest.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=registration.pk)
    )
    if registration.status != RegistrationRequest.Status.CODE_SENT or not registration.code_hash:
        return VerifyResult.LOCKED
    if registration.code_expired:
        return VerifyResult.EXPIRED
    if not constant_time_compare(_code_hash(registration, code.strip()), registration.code_hash):
        registration.attempts += 1
        if registration.attempts >= CODE_MAX_ATTEMPTS:
            registration.code_hash = ""  # this code is spent; a new one can be sent
        registration.save(update_fields=["attempts", "code_hash"])
        return VerifyResult.LOCKED if not registration.code_hash else VerifyResult.WRONG

    contacts = list(registrable_contacts(tenant=registration.tenant, email=registration.email))
    linked = next((c.user for c in contacts if c.user_id), None)
    existing = linked or User.objects.filter(email__iexact=registration.email).first()
    registration.status = RegistrationRequest.Status.VERIFIED
    registration.code_hash = ""
    registration.verified_at = timezone.now()
    registration.save(update_fields=["status", "code_hash", "verified_at"])
    if existing is not None:
        # An existing user is never linked by their email: each other company's contact asks them, and they accept
        # signed in as themselves.
        taken = set(Contact.objects.filter(user=existing).values_list("account_id", flat=True))
        for contact in contacts:
            if contact.user_id is None and contact.account_id not in taken:
                invitations.invitation_send(contact=contact, user=existing)
                taken.add(contact.account_id)
        if linked is None or existing.has_usable_password():
            return VerifyResult.INVITED  # and their password stays theirs
        user = linked  # granted a login here and never chose a password: a temporary one lets them in
    else:
        user = _user_for_contacts(
            email=registration.email,
            contacts=contacts,
            first_name=registration.first_name,
            last_name=registration.last_name,
        )
    temporary = generate_temporary_password()
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    send_branded_email(
        tenant=registration.tenant,
        to=[user.email],
        template="temporary_password",
        context={"user": user, "password": temporary, "login_url": _login_url(registration.tenant)},
    )
    return VerifyResult.OK


def _user_for_contacts(*, email: str, contacts: list[Contact], first_name: str = "", last_name: str = "") -> User:
    """The User of these contacts (found by contact or email, or created), linked to each of them."""
    user = next((c.user for c in contacts if c.user_id), None) or User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    taken = set(Contact.objects.filter(user=user).values_list("account_id", flat=True))
    for contact in contacts:
        if contact.user_id is None and contact.account_id not in taken:
            contact.user = user
            contact.save(update_fields=["user", "updated_at"])
            taken.add(contact.account_id)
    return user


# --- forgot password (seed 002) ------------------------------------------------------------------


def password_reset_request(*, tenant: Tenant, email: str, ip_address: str | None) -> None:
    """Email a set-password link if ``email`` may sign in on ``tenant``; silent otherwise.

    Raises RateLimited past 10 requests an hour per address or 3 per email.
    """
    email = email.strip().lower()
    ratelimit.check(scope=f"reset:{tenant.pk}", limits=[(f"ip:{ip_address}", 10, HOUR), (f"email:{email}", 3, HOUR)])
    contact = (
        Contact.objects.with_login()
        .filter(account__tenant=tenant, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    if contact is None:
        return
    security_event_record(event=SecurityEventType.PASSWORD_RESET_REQUESTED, tenant=tenant, user=contact.user)
    send_branded_email(
        tenant=tenant,
        to=[contact.user.email],
        template="password_reset",
        context={
            "user": contact.user,
            "link": set_password_link(tenant=tenant, user=contact.user),
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * HOUR),
        },
    )


# --- login rights and invitations (seeds 000, 001, 003) ------------------------------------------


@transaction.atomic
def contact_grant_login(*, contact: Contact, invited_by: User | None = None) -> Contact:
    """Give ``contact`` the right to sign in and email them a one-time set-password link (3 days)."""
    contact = (
        Contact.objects.select_for_update(of=("self",)).select_related("account__tenant", "user").get(pk=contact.pk)
    )
    if not contact.email:
        raise ValidationError({"contact": _("This contact has no email address; add one first.")})
    if getattr(contact.account.tenant, "portal_home", None) is None:
        raise ValidationError({"contact": _("This tenant has no portal yet; publish its portal first.")})
    if contact.user_id and not contact.user.is_active:
        raise ValidationError({"contact": _("This person's user is disabled; ask your administrator.")})
    tenant = contact.account.tenant
    days = settings.PASSWORD_RESET_TIMEOUT // (24 * HOUR)
    if contact.user_id is None:
        existing = User.objects.filter(email__iexact=contact.email).first()
        if existing and Contact.objects.filter(account=contact.account, user=existing).exists():
            raise ValidationError({"contact": _("Another contact of this account already signs in with this email.")})
        if existing is not None:
            # Someone who already has a user (here or on another portal) is asked, never linked: until they accept
            # the signed link, signed in as themselves, nothing of this company is theirs and nothing of theirs
            # goes to it.
            contact.can_login = True
            contact.save(update_fields=["can_login", "updated_at"])
            security_event_record(
                event=SecurityEventType.LOGIN_GRANTED,
                account=contact.account,
                email=contact.email,
                actor=invited_by,
                details={"contact_id": contact.pk, "invitation": True},
            )
            invitations.invitation_send(contact=contact, user=existing, invited_by=invited_by)
            return contact
        user = _user_for_contacts(
            email=contact.email, contacts=[contact], first_name=contact.first_name, last_name=contact.last_name
        )
        contact.refresh_from_db()
    else:
        user = contact.user
    contact.can_login = True
    contact.save(update_fields=["can_login", "updated_at"])
    security_event_record(
        event=SecurityEventType.LOGIN_GRANTED,
        account=contact.account,
        user=user,
        actor=invited_by,
        details={"contact_id": contact.pk},
    )
    send_branded_email(
        tenant=tenant,
        to=[user.email],
        template="invitation",
        context={
            "contact": contact,
            "user": user,
            "invited_by": invited_by,
            "link": set_password_link(tenant=tenant, user=user),
            "login_url": _login_url(tenant),
            "days": days,
        },
    )
    return contact


def contact_revoke_login(*, contact: Contact, revoked_by: User | None = None) -> Contact:
    """Take the right to sign in from ``contact`` (audited, and emailed to them); an open invitation dies."""
    if contact.can_login:
        contact.can_login = False
        contact.save(update_fields=["can_login", "updated_at"])
        security_event_record(
            event=SecurityEventType.LOGIN_REVOKED,
            account=contact.account,
            user=contact.user,
            email=contact.email,
            actor=revoked_by,
            details={"contact_id": contact.pk},
        )
        invitations.invitations_close(contact=contact)
        invitations.email_right_change(contact, right="can_login", value=False, by=revoked_by)
    return contact


@transaction.atomic
def account_disable_logins(*, account: Account, keep: Contact | None = None, revoked_by: User | None = None) -> int:
    """Take login rights from every contact of ``account`` (except ``keep``, the owner acting). Returns the count."""
    contacts = Contact.objects.filter(account=account, can_login=True).select_related("user")
    if keep is not None:
        contacts = contacts.exclude(pk=keep.pk)
    revoked = list(contacts)
    for contact in revoked:
        security_event_record(
            event=SecurityEventType.LOGIN_REVOKED,
            account=account,
            user=contact.user,
            email=contact.email,
            actor=revoked_by,
            details={"contact_id": contact.pk, "all_logins_disabled": True},
        )
    count = Contact.objects.filter(pk__in=[c.pk for c in revoked]).update(can_login=False, updated_at=timezone.now())
    for contact in revoked:
        contact.can_login = False
        invitations.invitations_close(contact=contact)
        invitations.email_right_change(contact, right="can_login", value=False, by=revoked_by)
    return count


# --- two-factor authentication (seed 003) --------------------------------------------------------


def user_backup_codes_generate(*, user: User, count: int = 10) -> list[str]:
    """Replace the user's backup codes with ``count`` new single-use codes; returns them (shown once)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def user_two_factor_methods(*, user: User) -> list:
    """The user's confirmed sign-in methods (authenticator apps, phones, email), the default one first; backup
    codes are not a method."""
    from django_otp import devices_for_user
    from django_otp.plugins.otp_static.models import StaticDevice

    devices = [d for d in devices_for_user(user) if not isinstance(d, StaticDevice)]
    return sorted(devices, key=lambda d: d.name != "default")


@transaction.atomic
def user_two_factor_method_remove(*, user: User, persistent_id: str, required: bool) -> None:
    """Remove one sign-in method of ``user``. With ``required`` (the tenant's policy) the last one stays; without,
    removing the last one turns two-factor off (backup codes go too). Another method becomes the default."""
    methods = user_two_factor_methods(user=user)
    device = next((d for d in methods if d.persistent_id == persistent_id), None)
    if device is None:
        raise ValidationError({"device": _("That sign-in method is not yours or was already removed.")})
    rest = [d for d in methods if d.persistent_id != persistent_id]
    if not rest and required:
        raise ValidationError(
            {"device": _("Two-factor authentication is required here: add another method before removing this one.")}
        )
    device.delete()
    if not rest:
        user_two_factor_disable(user=user)
    elif device.name == "default" and not any(d.name == "default" for d in rest):
        rest[0].name = "default"
        rest[0].save(update_fields=["name"])


def user_set_phone(*, user: User, number) -> User:
    """The user's mobile number (E.164), as confirmed by a code texted to it."""
    if str(user.phone or "") != str(number):
        user.phone = number
        user.save(update_fields=["phone"])
    return user


def user_two_factor_disable(*, user: User) -> None:
    """Remove every second-factor device of the user (authenticator apps, phones, email, backup codes)."""
    from django_otp import devices_for_user

    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()


def lockout_clear(*, attempt_id: int) -> int:
    """Lift a django-axes lockout (staff, from the admin). Returns the number of cleared records."""
    from axes.models import AccessAttempt

    deleted, _rows = AccessAttempt.objects.filter(pk=attempt_id).delete()
    return deleted
