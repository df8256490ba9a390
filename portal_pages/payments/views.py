"""Paying online: the three-step wizard (Billing → Payment → Confirm), the result page, saved cards and autopay.

Amounts are always computed on the server (services.payments.payment_quote); the browser only confirms the
card with Stripe.js and sends back the payment method id. Payments are recorded by Stripe's webhook.
"""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from portal_models import access
from portal_models.gateways import stripe as gateway
from portal_models.models import Invoice, Payment, PaymentMethod
from portal_models.money import format_money
from portal_models.services import checks as check_svc
from portal_models.services import payments as svc

from ..screen import customer_screen, render_screen
from .forms import AutopayForm, BankAccountForm, BillingForm, CardChoiceForm, CheckForm, ConfirmForm

PAY = access.PortalPermission.PAY
TEMPLATES = "theme/portal/payments/"


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class PaymentWizard:
    """The pay wizard's state (Billing → Payment → Confirm) for one tenant's portal and the active account, kept in
    the session: the invoices chosen, then the billing details, the card, the confirmation nonce and the intent."""

    def __init__(self, home, request, portal):
        self.home, self.request, self.portal = home, request, portal
        self.key = f"portal_pay:{home.tenant.pk}"

    def load(self) -> dict | None:
        state = self.request.session.get(self.key)
        if not state or state.get("account") != self.portal.account.pk:
            return None
        return state

    def save(self, state: dict) -> None:
        self.request.session[self.key] = state
        self.request.session.modified = True

    def clear(self) -> None:
        self.request.session.pop(self.key, None)

    def url(self, name: str, *args) -> str:
        return self.home.route_url(name, *args, request=self.request)

    def back_url(self) -> str:
        return self.url("invoices")

    def start(self, invoice_ids):
        """A new payment of ``invoice_ids`` (all open invoices when empty), or back with the reason it cannot be."""
        try:
            quote = svc.payment_quote(account=self.portal.account, invoice_ids=invoice_ids)
            svc.payment_in_progress_check(
                account=self.portal.account, invoice_ids=quote.invoice_ids, user=self.request.user
            )
        except (ValidationError, svc.PaymentInProgress) as exc:
            messages.info(self.request, _error_text(exc))
            return redirect(self.back_url())
        self.save({"account": self.portal.account.pk, "invoices": list(invoice_ids or [])})
        return redirect(self.url("pay_billing"))

    def state_or_restart(self):
        """``(state, None)``, or ``(None, response)`` when there is no payment under way or it can no longer be
        made (the invoices were paid or changed meanwhile)."""
        state = self.load()
        if state is None:
            messages.info(self.request, _("Choose what to pay first."))
            return None, redirect(self.back_url())
        try:
            svc.payment_quote(account=self.portal.account, invoice_ids=state["invoices"])
        except ValidationError as exc:
            self.clear()
            messages.info(self.request, _error_text(exc))
            return None, redirect(self.back_url())
        return state, None

    def context(self, state: dict, step: str, method: str = "card", **extra) -> dict:
        quote = svc.payment_quote(account=self.portal.account, invoice_ids=state["invoices"], method=method)
        offered = svc.payment_method_types(tenant=self.portal.account.tenant)
        context = {
            "step": step,
            "steps": [("billing", _("Billing")), ("payment", _("Payment")), ("confirm", _("Confirm"))],
            "quote": quote,
            "currency": quote.currency,
            "cancel_url": self.back_url(),
            "rows": [(inv, self.url("invoice", inv.pk)) for inv in quote.invoices],
            "billing_url": self.url("pay_billing"),
            "card_url": self.url("pay_card"),
            "bank_offered": any(t.settles_later for t in offered),
            "check_offered": check_svc.checks_accepted(account=self.portal.account),
        }
        context.update(extra)
        return context


# --- entry points ----------------------------------------------------------------------------


@customer_screen(name="pay_invoice", nav="invoices")
def pay_invoice(page, request, portal, pk):
    wizard = PaymentWizard(page, request, portal)
    invoice = access.get_object_or_404(Invoice.objects.visible_to_customers(), portal=portal, permission=PAY, pk=pk)
    if not invoice.is_payable:
        messages.info(request, _("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number})
        return redirect(wizard.back_url())
    return wizard.start([invoice.pk])


@customer_screen(name="pay_balance", nav="invoices")
def pay_balance(page, request, portal):
    wizard = PaymentWizard(page, request, portal)
    portal.require(PAY)
    ids = []
    for value in request.GET.getlist("invoice"):
        if not value.isdigit():
            return wizard.start([0])
        ids.append(int(value))
    if ids:  # a chosen subset: each must be an open invoice of the active account, else 404
        found = set(
            access.scope(Invoice.objects.payable(), portal=portal).filter(pk__in=ids).values_list("pk", flat=True)
        )
        if found != set(ids):
            raise Http404("Not found.")
    return wizard.start(ids)


# --- step 1: billing -------------------------------------------------------------------------


@customer_screen(name="pay_billing", nav="invoices")
def pay_billing(page, request, portal):
    wizard = PaymentWizard(page, request, portal)
    portal.require(PAY)
    state, restart = wizard.state_or_restart()
    if restart:
        return restart
    contact, account = portal.contact, portal.account
    initial = state.get("billing") or {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email or request.user.email,
        "phone": contact.business_phone or contact.cell_phone,
        "address_1": contact.address_1 or account.address_1,
        "address_2": contact.address_2 or account.address_2,
        "city": contact.city or account.city,
        "state": contact.state or account.state,
        "postal_code": contact.postal_code or account.postal_code,
        "country": contact.country or account.country,
    }
    form = BillingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        state["billing"] = form.cleaned_data
        wizard.save(state)
        return redirect(page.route_url("pay_card", request=request))
    context = wizard.context(state, "billing", form=form)
    return render_screen(page, request, TEMPLATES + "billing.html", context, status=400 if form.errors else 200)


# --- step 2: the payment method --------------------------------------------------------------


def _form_errors(form) -> dict:
    return {form[name].html_name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _bank_choice(portal, form) -> dict:
    """The bank account the browser confirmed with Stripe.js under the mandate, checked against the IBAN the
    form validated (the same account: its last four digits)."""
    saved = svc.method_for_account(
        account=portal.account, payment_method_id=form.cleaned_data["payment_method"], method="sepa_debit"
    )
    if saved.last4 != form.cleaned_data["iban"][-4:]:
        raise ValidationError({"iban": _("Enter your bank account details again.")})
    kept = svc.payment_method_same_as_saved(account=portal.account, method=saved)
    return {
        "saved_as": str(kept) if kept is not None else "",  # already saved: "Save this bank account" not offered
        "id": saved.id,
        "brand": saved.brand,
        "last4": saved.last4,
        "bank_code": saved.bank_code,
        "country": saved.country,
        "holder": form.cleaned_data["account_holder"],
        "mandate": True,
    }


def _card_choice(portal, payment_method_id: str) -> tuple[str, dict]:
    """A new card, or a saved card or bank account of the account: (its type, what the next steps show)."""
    saved = PaymentMethod.objects.filter(account=portal.account, stripe_payment_method_id=payment_method_id).first()
    if saved is not None and not svc.payment_method_may_use(method=saved, contact=portal.contact):
        raise ValidationError(  # another contact's own card or bank account: never charged by a posted id
            _("You can pay with your company's default method, or with a card or bank account you saved.")
        )
    kind = saved.type if saved is not None else "card"
    found = svc.method_for_account(account=portal.account, payment_method_id=payment_method_id, method=kind)
    choice = {
        "id": found.id,
        "brand": found.brand,
        "last4": found.last4,
        "bank_code": found.bank_code,
        "country": found.country,
        "holder": found.holder_name,
        "mandate": bool(saved is not None and saved.mandate_accepted_at),
    }
    return gateway.method_type(kind).code, choice


@customer_screen(name="pay_card", nav="invoices")
def pay_card(page, request, portal):
    wizard = PaymentWizard(page, request, portal)
    portal.require(PAY)
    state, restart = wizard.state_or_restart()
    if restart:
        return restart
    if not state.get("billing"):
        return redirect(page.route_url("pay_billing", request=request))
    base = wizard.context(state, "payment")
    source = request.POST.get("source", "") if request.method == "POST" else ""
    posted = request.POST if request.method == "POST" else None
    form = CardChoiceForm(posted if source not in ("new_bank", "check") else None)
    bank_form = BankAccountForm(
        posted if source == "new_bank" else None, prefix="bank", initial={"account_holder": portal.account.name}
    )
    check_form = CheckForm(
        posted if source == "check" else None,
        prefix="check",
        initial={"amount": base["quote"].subtotal, "mailed_on": timezone.localdate()},
    )
    error = ""
    if source == "new_bank" and base["bank_offered"]:
        valid = bank_form.is_valid()
        if request.POST.get("validate_only"):  # the browser asks before it gives the IBAN to Stripe.js
            return JsonResponse({"ok": valid, "errors": _form_errors(bank_form)}, status=200 if valid else 400)
        if valid:
            try:
                choice = _bank_choice(portal, bank_form)
            except (ValidationError, svc.PaymentError) as exc:
                error = _error_text(exc)
            else:
                state.update(method="sepa_debit", card=choice)
                wizard.save(state)
                return redirect(page.route_url("pay_confirm", request=request))
    elif source == "check" and base["check_offered"]:
        if check_form.is_valid():
            data = check_form.cleaned_data
            if data["amount"] != base["quote"].subtotal:
                check_form.add_error(
                    "amount",
                    _("The check must be for %(amount)s, what is due on the chosen invoices.")
                    % {"amount": format_money(base["quote"].subtotal, base["currency"])},
                )
            else:
                state.update(
                    method="check",
                    card=None,
                    check={
                        "number": data["check_number"],
                        "amount": str(data["amount"]),
                        "mailed_on": data["mailed_on"].isoformat(),
                    },
                )
                wizard.save(state)
                return redirect(page.route_url("pay_confirm", request=request))
    elif request.method == "POST" and form.is_valid():
        try:
            kind, choice = _card_choice(portal, form.cleaned_data["payment_method"])
        except (ValidationError, svc.PaymentError) as exc:
            error = _error_text(exc)
        else:
            state.update(method=kind, card=choice)
            wizard.save(state)
            return redirect(page.route_url("pay_confirm", request=request))
    elif source in ("new_bank", "check"):  # not offered by this portal
        error = _("This payment method is not available for this account.")
    elif request.method == "POST":
        error = " ".join(form.non_field_errors())
    saved = svc.payment_methods_usable(account=portal.account, contact=portal.contact)
    try:
        client_secret = svc.setup_intent_start(
            account=portal.account, contact=portal.contact, nonce=secrets.token_hex(8)
        )
        bank_secret = (
            svc.setup_intent_start(
                account=portal.account, contact=portal.contact, nonce=secrets.token_hex(8), method="sepa_debit"
            )
            if base["bank_offered"]
            else ""
        )
    except svc.PaymentError as exc:
        client_secret, bank_secret, error = "", "", str(exc)
    invalid = error or bank_form.errors or check_form.errors
    context = {
        **base,
        "form": form,
        "bank_form": bank_form,
        "check_form": check_form,
        "source": source,
        "error": error,
        "saved_cards": [m for m in saved if not m.is_bank_account],
        "saved_banks": [m for m in saved if m.is_bank_account] if base["bank_offered"] else [],
        "client_secret": client_secret,
        "bank_secret": bank_secret,
        "stripe_js": gateway.js_url(),
        "publishable_key": gateway.publishable_key(),
        "billing": state["billing"],
    }
    return render_screen(page, request, TEMPLATES + "card.html", context, status=400 if invalid else 200)


# --- step 3: confirm and pay -----------------------------------------------------------------


def _check_of(state: dict) -> dict:
    check = dict(state["check"])
    check["mailed_on"] = parse_date(check["mailed_on"])
    return check


def _source(state: dict, currency: str) -> dict:
    """What the confirm step shows of the chosen method: its label and details."""
    method = state.get("method", "card")
    if method == "check":
        check = _check_of(state)
        return {
            "label": _("Business check"),
            "kind": _("No. %(number)s") % {"number": check["number"]},
            "detail": _("mailed %(date)s") % {"date": formats.date_format(check["mailed_on"], "SHORT_DATE_FORMAT")},
            "check": check,
            "online": False,
        }
    card = state["card"]
    kind = gateway.method_type(method)
    if kind.code == "card":
        return {
            "label": kind.label,
            "kind": card["brand"].title(),
            "detail": f"•••• {card['last4']}",
            "online": True,
            "bank": False,
        }
    return {
        "label": kind.label,
        "kind": f"{card.get('country', '')} {card.get('bank_code', '')}".strip(),
        "detail": f"•••• {card['last4']}",
        "holder": card.get("holder", ""),
        "online": True,
        "bank": True,
        "saved_as": card.get("saved_as", ""),
    }


@customer_screen(name="pay_confirm", nav="invoices")
def pay_confirm(page, request, portal):
    wizard = PaymentWizard(page, request, portal)
    portal.require(PAY)
    state, restart = wizard.state_or_restart()
    if restart:
        return restart
    method = state.get("method", "card")
    if not (state.get("card") or (method == "check" and state.get("check"))):
        return redirect(page.route_url("pay_card", request=request))
    if (
        request.method == "POST" and request.POST.get("nonce") and request.POST.get("nonce") == state.get("used_nonce")
    ):  # a second click on "Authorize payment": the first one is under way
        return redirect(page.route_url("pay_result", state["intent"], request=request))
    form = ConfirmForm(request.POST or None, initial={"nonce": state.setdefault("nonce", secrets.token_hex(16))})
    source = _source(state, portal.account.tenant.currency)
    _label_confirm(form, source)
    wizard.save(state)
    error = ""
    if request.method == "POST" and form.is_valid() and form.cleaned_data["nonce"] != state["nonce"]:
        error = _("This page had expired. Please check the details and authorize the payment again.")
        form = ConfirmForm(initial={"nonce": state["nonce"]})
        _label_confirm(form, source)
    elif request.method == "POST" and form.is_valid() and method == "check":
        billing = state["billing"]
        try:
            check = check_svc.check_announce(
                account=portal.account,
                invoice_ids=state["invoices"],
                check_number=source["check"]["number"],
                amount=source["check"]["amount"],
                mailed_on=source["check"]["mailed_on"],
                user=request.user,
                payer_name=f"{billing['first_name']} {billing['last_name']}".strip(),
            )
        except (ValidationError, svc.PaymentInProgress) as exc:
            messages.error(request, _error_text(exc))
            state.pop("check", None)
            state.pop("nonce", None)
            wizard.save(state)
            return redirect(page.route_url("pay_card", request=request))
        wizard.clear()
        messages.success(
            request,
            _("Thank you. Check %(number)s for %(amount)s is on its way: the invoices show it until we receive it.")
            % {"number": check.check_number, "amount": format_money(check.amount, check.currency)},
        )
        return redirect(wizard.back_url())
    elif request.method == "POST" and form.is_valid():
        billing = state["billing"]
        try:
            start = svc.payment_start(
                account=portal.account,
                user=request.user,
                payer_name=f"{billing['first_name']} {billing['last_name']}".strip(),
                invoice_ids=state["invoices"],
                payment_method_id=state["card"]["id"],
                save_card=form.cleaned_data.get("save_card", False),
                nonce=state["nonce"],
                method=method,
                mandate_accepted=bool(state["card"].get("mandate")),
            )
        except (ValidationError, svc.PaymentDeclined) as exc:
            # the card is refused, or the invoices changed meanwhile: nothing was charged, go back a step
            messages.error(request, _error_text(exc))
            state.pop("card", None)
            state.pop("nonce", None)
            wizard.save(state)
            return redirect(page.route_url("pay_card", request=request))
        except svc.PaymentError as exc:  # the service is unavailable: stay here, a new attempt gets a new key
            error = str(exc)
            state["nonce"] = secrets.token_hex(16)
            wizard.save(state)
            form = ConfirmForm(
                initial={"nonce": state["nonce"], "save_card": form.cleaned_data.get("save_card", False)}
            )
            _label_confirm(form, source)
        else:
            state.update(intent=start.intent.id, used_nonce=state.pop("nonce"))
            wizard.save(state)
            result_url = page.route_url("pay_result", start.intent.id, request=request)
            if start.intent.requires_action:
                return render_screen(
                    page,
                    request,
                    TEMPLATES + "authenticate.html",
                    {
                        "client_secret": start.intent.client_secret,
                        "result_url": result_url,
                        "stripe_js": gateway.js_url(),
                        "publishable_key": gateway.publishable_key(),
                    },
                )
            return redirect(result_url)
    context = wizard.context(
        state, "confirm", method=method, form=form, error=error, card=state.get("card"), source=source
    )
    status = 400 if (error or form.errors) else 200
    return render_screen(page, request, TEMPLATES + "confirm.html", context, status=status)


def _label_confirm(form, source: dict) -> None:
    if not source["online"]:
        form.fields["authorize"].label = _("These check details are correct and the check was mailed.")
        form.fields.pop("save_card")
    elif source.get("bank"):
        form.fields["authorize"].label = _("Payment details are correct and I authorize this direct debit.")
        if source.get("saved_as"):  # this IBAN is saved already: nothing to offer (the service saves it once)
            form.fields.pop("save_card")
        else:
            form.fields["save_card"].label = _("Save this bank account for future payments and autopay.")


# --- result ----------------------------------------------------------------------------------


@customer_screen(name="pay_result", nav="invoices")
def pay_result(page, request, portal, intent):
    wizard = PaymentWizard(page, request, portal)
    portal.require(PAY)
    outcome = svc.payment_outcome(account=portal.account, intent_id=intent)
    if outcome.state == "unknown":  # another account's payment, or none at all
        raise Http404("Not found.")
    if outcome.state == "succeeded":
        wizard.clear()
    context = {
        "outcome": outcome,
        "status_url": page.route_url("pay_status", intent, request=request),
        "retry_url": page.route_url("pay_card", request=request),
        "back_url": wizard.back_url(),
        "receipt_url": page.route_url("payment_receipt", outcome.payment.pk, request=request)
        if outcome.payment and outcome.state == "succeeded"
        else "",
        "allocations": [
            (a, page.route_url("invoice", a.invoice_id, request=request))
            for a in (outcome.payment.allocations.select_related("invoice") if outcome.payment else [])
        ],
    }
    return render_screen(page, request, TEMPLATES + "result.html", context)


@customer_screen(name="pay_status", nav="invoices", shell=False)
def pay_status(page, request, portal, intent):
    portal.require(PAY)
    outcome = svc.payment_outcome(account=portal.account, intent_id=intent)
    if outcome.state == "unknown":
        raise Http404("Not found.")
    return JsonResponse({"state": outcome.state, "message": outcome.message})


# --- receipts --------------------------------------------------------------------------------


@customer_screen(name="payment_receipt", nav="payments")
def payment_receipt(page, request, portal, pk):
    payment = access.get_object_or_404(
        Payment.objects.select_related("payer").prefetch_related("allocations__invoice"),
        portal=portal,
        pk=pk,
    )
    return render_screen(page, request, TEMPLATES + "receipt.html", {"payment": payment})


# --- saved cards and autopay -----------------------------------------------------------------


@customer_screen(name="payment_methods", nav="payments")
def payment_methods(page, request, portal):
    portal.require(PAY)
    account = portal.account
    autopay_form = AutopayForm(initial={"enabled": account.autopay})
    bank_offered = any(t.settles_later for t in svc.payment_method_types(tenant=account.tenant))
    action = request.POST.get("action") if request.method == "POST" else None
    bank_form = BankAccountForm(
        request.POST if action == "add_bank" else None, prefix="bank", initial={"account_holder": account.name}
    )
    error = ""
    if action == "add_bank" and bank_offered and request.POST.get("validate_only"):
        valid = bank_form.is_valid()
        return JsonResponse({"ok": valid, "errors": _form_errors(bank_form)}, status=200 if valid else 400)
    if request.method == "POST":
        try:
            if action == "add_bank" and bank_offered:
                if not bank_form.is_valid():
                    raise ValidationError(_("Correct the bank account details below."))
                choice = _bank_choice(portal, bank_form)
                method = svc.payment_method_add(
                    account=account,
                    payment_method_id=choice["id"],
                    user=request.user,
                    method="sepa_debit",
                    mandate_accepted=True,
                )
                messages.success(request, _("%(card)s was saved.") % {"card": method})
            elif action == "add":
                method = svc.payment_method_add(
                    account=account, payment_method_id=request.POST.get("payment_method", ""), user=request.user
                )
                messages.success(request, _("%(card)s was saved.") % {"card": method})
            elif action in ("remove", "default"):
                method = access.get_object_or_404(
                    PaymentMethod.objects.all(), portal=portal, pk=request.POST.get("method")
                )
                if action == "remove":
                    svc.payment_method_remove(method=method, by=portal.contact)
                    messages.success(request, _("%(card)s was removed.") % {"card": method})
                else:
                    svc.payment_method_set_default(method=method, by=portal.contact)
                    messages.success(request, _("%(card)s is now your default payment method.") % {"card": method})
            elif action == "autopay":
                autopay_form = AutopayForm(request.POST)
                if autopay_form.is_valid():
                    svc.autopay_set(account=account, enabled=autopay_form.cleaned_data["enabled"])
                    messages.success(
                        request,
                        _("Autopay is on.") if autopay_form.cleaned_data["enabled"] else _("Autopay is off."),
                    )
                else:
                    raise ValidationError(autopay_form.errors["authorize"])
            else:
                return HttpResponseNotAllowed(["GET", "POST"])
        except (ValidationError, svc.PaymentError) as exc:
            error = _error_text(exc)
        else:
            return redirect(page.route_url("payment_methods", request=request))
    account.refresh_from_db(fields=["autopay"])
    cards = svc.payment_methods_usable(account=account, contact=portal.contact)
    for card in cards:
        card.may_manage = svc.payment_method_may_manage(method=card, contact=portal.contact)
    try:
        client_secret = svc.setup_intent_start(account=account, contact=portal.contact, nonce=secrets.token_hex(8))
        bank_secret = (
            svc.setup_intent_start(
                account=account, contact=portal.contact, nonce=secrets.token_hex(8), method="sepa_debit"
            )
            if bank_offered
            else ""
        )
    except svc.PaymentError as exc:
        client_secret, bank_secret, error = "", "", error or str(exc)
    context = {
        "cards": [c for c in cards if not c.is_bank_account],
        "banks": [c for c in cards if c.is_bank_account],
        "default_method": next((c for c in cards if c.is_default), None),
        "bank_offered": bank_offered,
        "bank_form": bank_form,
        "bank_secret": bank_secret,
        "has_default": any(c.is_default for c in cards),
        "autopay_form": autopay_form,
        "error": error,
        "client_secret": client_secret,
        "stripe_js": gateway.js_url(),
        "publishable_key": gateway.publishable_key(),
        "account": account,
    }
    return render_screen(page, request, TEMPLATES + "methods.html", context, status=400 if error else 200)
