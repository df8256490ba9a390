"""Business checks: a customer announces a check in the mail for chosen invoices (they are claimed, "check on its
way", not paid); billing staff record it received (a check payment with its number, paying those invoices) or not
received (the claim lapses). Each change is one transaction under the payments' lock order: the invoices (pk
order), their claims, the check's row, the account's row, the tenant's receipt sequence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from portal_models import caching
from portal_models.models import Account, Payment, PaymentClaim, PromisedCheck, Tenant, User
from portal_models.money import ZERO, format_money, quantize
from portal_models.selectors.billing import billing_contact_emails

from .billing import invoices_lock, payment_record_locked
from .emails import account_portal_url, send_branded_email
from .payments import PaymentInProgress, payment_quote


def check_wait_days(tenant: Tenant | None = None) -> int:
    """How long after it was mailed a check holds its invoices: the tenant's setting, else
    ``PORTAL_CHECK_WAIT_DAYS`` (default 21)."""
    if tenant is not None and tenant.check_wait_days:
        return int(tenant.check_wait_days)
    return int(getattr(settings, "PORTAL_CHECK_WAIT_DAYS", 21))


def check_reminder_after_days() -> int:
    """How long after it was mailed a check not yet received is overdue, and reminded once
    (``PORTAL_CHECK_REMINDER_DAYS``, default 10)."""
    return int(getattr(settings, "PORTAL_CHECK_REMINDER_DAYS", 10))


def checks_accepted(*, account: Account) -> bool:
    """Whether the account's tenant takes business checks (not "accept cards only")."""
    return not account.tenant.card_only


def _clean_number(number: str) -> str:
    number = (number or "").strip()
    if not number or len(number) > 40 or not all(c.isalnum() or c in "-/ " for c in number):
        raise ValidationError({"check_number": _("Enter the check number as printed on the check.")})
    return number


def check_announce(
    *,
    account: Account,
    invoice_ids: Sequence[int] | None,
    check_number: str,
    amount,
    mailed_on: date,
    user: User | None,
    payer_name: str = "",
) -> PromisedCheck:
    """The customer says a check for the chosen invoices is in the mail: the invoices are claimed until the check
    is recorded or ``check_wait_days`` after it was mailed. The amount must be what is due on them (no card fee)."""
    if not checks_accepted(account=account):
        raise ValidationError({"method": _("This portal does not take checks.")})
    number = _clean_number(check_number)
    today = timezone.localdate()
    if mailed_on > today:
        raise ValidationError({"mailed_on": _("The mailing date cannot be in the future.")})
    if mailed_on < today - timedelta(days=check_wait_days(account.tenant)):
        raise ValidationError({"mailed_on": _("A check mailed that long ago should have arrived; contact us.")})
    quote = payment_quote(account=account, invoice_ids=invoice_ids, method="card")
    expected = quote.subtotal  # what is due: checks carry no card fee
    try:
        stated = quantize(amount, quote.currency)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError({"amount": _("Enter the amount of the check.")}) from None
    if stated != expected:
        raise ValidationError(
            {
                "amount": _("The check must be for %(amount)s, what is due on the chosen invoices.")
                % {"amount": format_money(expected, quote.currency)}
            }
        )
    expires = timezone.make_aware(
        datetime.combine(mailed_on + timedelta(days=check_wait_days(account.tenant)), time.max)
    )
    with transaction.atomic():
        locked = invoices_lock(account=account, ids=quote.invoice_ids)
        if len(locked) != len(quote.invoices) or any(locked[i.pk].amount_due != i.amount_due for i in quote.invoices):
            raise ValidationError({"invoices": _("Some of the chosen invoices are no longer open.")})
        now = timezone.now()
        PaymentClaim.objects.filter(invoice_id__in=quote.invoice_ids, expires_at__lte=now).delete()
        held = PaymentClaim.objects.select_related("invoice", "user").filter(invoice_id__in=quote.invoice_ids).first()
        if held is not None:
            raise PaymentInProgress(held)
        check = PromisedCheck.objects.create(
            tenant=account.tenant,
            account=account,
            check_number=number,
            amount=expected,
            currency=quote.currency,
            mailed_on=mailed_on,
            payer=user if user is not None and user.pk else None,
            payer_name=payer_name[:200],
            expires_at=expires,
        )
        check.invoices.set(locked.values())
        PaymentClaim.objects.bulk_create(
            PaymentClaim(
                tenant_id=account.tenant_id,
                account=account,
                invoice=inv,
                user=check.payer,
                payer_name=payer_name[:200],
                nonce=check.claim_nonce,
                amount=inv.amount_due,
                currency=quote.currency,
                expires_at=expires,
            )
            for inv in locked.values()
        )
        caching.bump_accounts(account.pk)
    return check


def _locked_check(check: PromisedCheck) -> tuple[PromisedCheck, dict]:
    """The check's invoices locked (pk order, any status), then the check's row: the payments' lock order."""
    ids = list(check.invoices.order_by("pk").values_list("pk", flat=True))
    invoices = invoices_lock(account=check.account, ids=ids)
    locked = PromisedCheck.objects.select_for_update(of=("self",)).select_related("account__tenant").get(pk=check.pk)
    if locked.status != PromisedCheck.Status.PROMISED:
        raise ValidationError(
            _("This check was already recorded as %(status)s.") % {"status": locked.get_status_display()}
        )
    return locked, invoices


def check_record_received(*, check: PromisedCheck, received_on: date, staff: User) -> Payment:
    """Billing staff got the check: a check payment with its number pays the invoices it was for (at most what
    each still owes), its claims are released."""
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("A payment cannot be received in the future.")})
    with transaction.atomic():
        check, invoices = _locked_check(check)
        allocations, remaining = {}, check.amount
        for inv in invoices.values():
            take = min(inv.amount_due, remaining)
            if take > ZERO:
                allocations[inv] = take
                remaining -= take
        if not allocations:
            raise ValidationError(_("The invoices of this check were paid another way; record it as a manual payment."))
        received_at = timezone.make_aware(datetime.combine(received_on, time(12)))
        if received_at > timezone.now():
            received_at = timezone.now()
        PaymentClaim.objects.filter(account=check.account, nonce=check.claim_nonce).delete()
        payment = payment_record_locked(
            account=check.account,
            method=Payment.Method.CHECK,
            amount=check.amount,
            allocations=allocations,
            received_at=received_at,
            reference=check.check_number,
            payer_name=check.payer_name,
            payer=check.payer,
            recorded_by=staff,
            notes=""
            if remaining == ZERO
            else _("Part of this check was not needed by its invoices (paid another way meanwhile); please review."),
        )
        check.status = PromisedCheck.Status.RECEIVED
        check.payment = payment
        check.resolved_at = timezone.now()
        check.resolved_by = staff
        check.save(update_fields=["status", "payment", "resolved_at", "resolved_by"])
    return payment


def check_mark_not_received(*, check: PromisedCheck, staff: User) -> PromisedCheck:
    """The check never came: its claim lapses now and the invoices can be paid again."""
    with transaction.atomic():
        check, _invoices = _locked_check(check)
        PaymentClaim.objects.filter(account=check.account, nonce=check.claim_nonce).delete()
        check.status = PromisedCheck.Status.NOT_RECEIVED
        check.resolved_at = timezone.now()
        check.resolved_by = staff
        check.save(update_fields=["status", "resolved_at", "resolved_by"])
        caching.bump_accounts(check.account_id)
    return check


def check_reminder_send(*, check: PromisedCheck, lapsed: bool = False) -> int:
    """Email the payer and the account's billing contacts that check ``check`` has not arrived (``lapsed``: and
    that its invoices are open again); remembers when (``reminded_at``). Returns the emails sent (0 or 1)."""
    check = PromisedCheck.objects.select_related("account__tenant", "payer").get(pk=check.pk)
    if check.status != PromisedCheck.Status.PROMISED and not lapsed:
        raise ValidationError(_("Only a check on its way can be reminded."))
    recipients = set(billing_contact_emails(account=check.account))
    if check.payer and check.payer.email:
        recipients.add(check.payer.email)
    PromisedCheck.objects.filter(pk=check.pk).update(reminded_at=timezone.now())
    if not recipients:
        return 0
    send_branded_email(
        tenant=check.account.tenant,
        to=sorted(recipients),
        template="check_overdue",
        context={
            "check": check,
            "account": check.account,
            "invoices": list(check.invoices.order_by("number")),
            "lapsed": lapsed,
            "pay_url": account_portal_url(check.account, "invoices"),
        },
    )
    return 1


def check_lapse(*, check: PromisedCheck) -> PromisedCheck | None:
    """A check whose wait is over and that was never recorded: not received, its claims released (no staff
    member: the wait ran out). None when it was recorded or resolved meanwhile."""
    with transaction.atomic():
        try:
            check, _invoices = _locked_check(check)
        except ValidationError:
            return None
        PaymentClaim.objects.filter(account=check.account, nonce=check.claim_nonce).delete()
        check.status = PromisedCheck.Status.NOT_RECEIVED
        check.resolved_at = timezone.now()
        check.save(update_fields=["status", "resolved_at"])
        caching.bump_accounts(check.account_id)
    return check


@dataclass
class CheckReminderRun:
    reminded: list = field(default_factory=list)
    lapsed: list = field(default_factory=list)


def checks_overdue_remind(*, today: date | None = None) -> CheckReminderRun:
    """The daily run: checks on their way past their wait lapse (their invoices open again, the customer is told);
    checks overdue (``check_reminder_after_days`` after mailing) and not reminded yet get one reminder."""
    today = today or timezone.localdate()
    run = CheckReminderRun()
    now = timezone.now()
    promised = PromisedCheck.objects.filter(status=PromisedCheck.Status.PROMISED).order_by("pk")
    for check in promised.filter(expires_at__lte=now):
        if check_lapse(check=check) is not None:
            check_reminder_send(check=check, lapsed=True)
            run.lapsed.append(check)
    due = promised.filter(
        expires_at__gt=now,
        reminded_at__isnull=True,
        mailed_on__lte=today - timedelta(days=check_reminder_after_days()),
    )
    for check in due:
        check_reminder_send(check=check)
        run.reminded.append(check)
    return run


@task()
def check_reminders_task() -> int:
    """django-tasks entry point (daily, by the scheduler): overdue checks reminded, lapsed ones released."""
    run = checks_overdue_remind()
    return len(run.reminded) + len(run.lapsed)


def invoice_claim_kind(claim: PaymentClaim | None) -> str:
    """What holds an invoice: "check" (a check on its way), "payment" (a payment under way), or ""."""
    if claim is None or claim.expires_at <= timezone.now():
        return ""
    return "check" if claim.nonce.startswith("check-") else "payment"
