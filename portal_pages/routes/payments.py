"""Paying online: the three-step wizard (Billing → Payment → Confirm), the result page, saved cards and autopay.

Amounts are always computed on the server (services.payments.payment_quote); the browser only confirms the
card with Stripe.js and sends back the payment method id. Payments are recorded by Stripe's webhook.
"""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from portal_models import access
from portal_models.gateways import stripe as gateway
from portal_models.models import Invoice, Payment, PaymentMethod
from portal_models.services import payments as svc

from ..payment_forms import AutopayForm, BillingForm, CardChoiceForm, ConfirmForm
from .base import PortalRoutesBase, customer_route

PAY = access.PortalPermission.PAY
TEMPLATES = "theme/portal/payments/"


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class PaymentRoutes(PortalRoutesBase):
    # --- wizard state (in the session, for one tenant and the active account) --------------------

    def _wizard_key(self) -> str:
        return f"portal_pay:{self.tenant.pk}"

    def _wizard(self, request, portal) -> dict | None:
        state = request.session.get(self._wizard_key())
        if not state or state.get("account") != portal.account.pk:
            return None
        return state

    def _save_wizard(self, request, state: dict) -> None:
        request.session[self._wizard_key()] = state
        request.session.modified = True

    def _start_wizard(self, request, portal, invoice_ids):
        try:
            svc.payment_quote(account=portal.account, invoice_ids=invoice_ids)
        except ValidationError as exc:
            messages.info(request, _error_text(exc))
            return redirect(self._back_url(request))
        self._save_wizard(request, {"account": portal.account.pk, "invoices": list(invoice_ids or [])})
        return redirect(self.route_url("pay_billing", request=request))

    def _back_url(self, request) -> str:
        for name in ("invoices", "dashboard"):
            try:
                return self.route_url(name, request=request)
            except NoReverseMatch:
                continue
        return self.get_url(request)

    def _optional_url(self, request, name, *args):
        try:
            return self.route_url(name, *args, request=request)
        except NoReverseMatch:
            return ""

    def _wizard_context(self, request, portal, state, step: str, **extra):
        quote = svc.payment_quote(account=portal.account, invoice_ids=state["invoices"])
        context = {
            "step": step,
            "steps": [("billing", _("Billing")), ("payment", _("Payment")), ("confirm", _("Confirm"))],
            "quote": quote,
            "currency": quote.currency,
            "cancel_url": self._back_url(request),
            "rows": [(inv, self._optional_url(request, "invoice", inv.pk)) for inv in quote.invoices],
            "billing_url": self.route_url("pay_billing", request=request),
            "card_url": self.route_url("pay_card", request=request),
        }
        context.update(extra)
        return context

    def _wizard_or_restart(self, request, portal):
        state = self._wizard(request, portal)
        if state is None:
            messages.info(request, _("Choose what to pay first."))
            return None, redirect(self._back_url(request))
        try:
            svc.payment_quote(account=portal.account, invoice_ids=state["invoices"])
        except ValidationError as exc:
            request.session.pop(self._wizard_key(), None)
            messages.info(request, _error_text(exc))
            return None, redirect(self._back_url(request))
        return state, None

    # --- entry points ----------------------------------------------------------------------------

    @customer_route(r"^invoices/(?P<pk>\d+)/pay/$", name="pay_invoice", nav="invoices")
    def pay_invoice(self, request, portal, pk):
        invoice = access.get_object_or_404(Invoice.objects.visible_to_customers(), portal=portal, permission=PAY, pk=pk)
        if not invoice.is_payable:
            messages.info(request, _("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number})
            return redirect(self._back_url(request))
        return self._start_wizard(request, portal, [invoice.pk])

    @customer_route(r"^pay/$", name="pay_balance", nav="invoices")
    def pay_balance(self, request, portal):
        portal.require(PAY)
        ids = []
        for value in request.GET.getlist("invoice"):
            if not value.isdigit():
                return self._start_wizard(request, portal, [0])
            ids.append(int(value))
        if ids:  # a chosen subset: each must be an open invoice of the active account, else 404
            found = set(
                access.scope(Invoice.objects.payable(), portal=portal).filter(pk__in=ids).values_list("pk", flat=True)
            )
            if found != set(ids):
                raise Http404("Not found.")
        return self._start_wizard(request, portal, ids)

    # --- step 1: billing -------------------------------------------------------------------------

    @customer_route(r"^pay/billing/$", name="pay_billing", nav="invoices")
    def pay_billing(self, request, portal):
        portal.require(PAY)
        state, restart = self._wizard_or_restart(request, portal)
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
            self._save_wizard(request, state)
            return redirect(self.route_url("pay_card", request=request))
        context = self._wizard_context(request, portal, state, "billing", form=form)
        return self.render_portal(request, TEMPLATES + "billing.html", context, status=400 if form.errors else 200)

    # --- step 2: the card ------------------------------------------------------------------------

    @customer_route(r"^pay/payment/$", name="pay_card", nav="invoices")
    def pay_card(self, request, portal):
        portal.require(PAY)
        state, restart = self._wizard_or_restart(request, portal)
        if restart:
            return restart
        if not state.get("billing"):
            return redirect(self.route_url("pay_billing", request=request))
        form = CardChoiceForm(request.POST or None)
        error = ""
        if request.method == "POST" and form.is_valid():
            try:
                card = svc.card_for_account(
                    account=portal.account, payment_method_id=form.cleaned_data["payment_method"]
                )
            except (ValidationError, svc.PaymentError) as exc:
                error = _error_text(exc)
            else:
                state["card"] = {"id": card.id, "brand": card.brand, "last4": card.last4}
                self._save_wizard(request, state)
                return redirect(self.route_url("pay_confirm", request=request))
        elif request.method == "POST":
            error = " ".join(form.non_field_errors())
        saved = list(PaymentMethod.objects.filter(account=portal.account))
        try:
            client_secret = svc.setup_intent_start(
                account=portal.account, contact=portal.contact, nonce=secrets.token_hex(8)
            )
        except svc.PaymentError as exc:
            client_secret, error = "", str(exc)
        context = self._wizard_context(
            request,
            portal,
            state,
            "payment",
            form=form,
            error=error,
            saved_cards=saved,
            client_secret=client_secret,
            stripe_js=gateway.js_url(),
            publishable_key=gateway.publishable_key(),
            billing=state["billing"],
        )
        return self.render_portal(request, TEMPLATES + "card.html", context, status=400 if error else 200)

    # --- step 3: confirm and pay -----------------------------------------------------------------

    @customer_route(r"^pay/confirm/$", name="pay_confirm", nav="invoices")
    def pay_confirm(self, request, portal):
        portal.require(PAY)
        state, restart = self._wizard_or_restart(request, portal)
        if restart:
            return restart
        if not state.get("card"):
            return redirect(self.route_url("pay_card", request=request))
        if (
            request.method == "POST"
            and request.POST.get("nonce")
            and request.POST.get("nonce") == state.get("used_nonce")
        ):  # a second click on "Authorize payment": the first one is under way
            return redirect(self.route_url("pay_result", state["intent"], request=request))
        form = ConfirmForm(request.POST or None, initial={"nonce": state.setdefault("nonce", secrets.token_hex(16))})
        self._save_wizard(request, state)
        error = ""
        if request.method == "POST" and form.is_valid() and form.cleaned_data["nonce"] != state["nonce"]:
            error = _("This page had expired. Please check the details and authorize the payment again.")
            form = ConfirmForm(initial={"nonce": state["nonce"]})
        elif request.method == "POST" and form.is_valid():
            billing = state["billing"]
            try:
                start = svc.payment_start(
                    account=portal.account,
                    user=request.user,
                    payer_name=f"{billing['first_name']} {billing['last_name']}".strip(),
                    invoice_ids=state["invoices"],
                    payment_method_id=state["card"]["id"],
                    save_card=form.cleaned_data["save_card"],
                    nonce=state["nonce"],
                )
            except (ValidationError, svc.PaymentDeclined) as exc:
                # the card is refused, or the invoices changed meanwhile: nothing was charged, go back a step
                messages.error(request, _error_text(exc))
                state.pop("card", None)
                state.pop("nonce", None)
                self._save_wizard(request, state)
                return redirect(self.route_url("pay_card", request=request))
            except svc.PaymentError as exc:  # the service is unavailable: stay here, a new attempt gets a new key
                error = str(exc)
                state["nonce"] = secrets.token_hex(16)
                self._save_wizard(request, state)
                form = ConfirmForm(initial={"nonce": state["nonce"], "save_card": form.cleaned_data["save_card"]})
            else:
                state.update(intent=start.intent.id, used_nonce=state.pop("nonce"))
                self._save_wizard(request, state)
                result_url = self.route_url("pay_result", start.intent.id, request=request)
                if start.intent.requires_action:
                    return self.render_portal(
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
        context = self._wizard_context(request, portal, state, "confirm", form=form, error=error, card=state["card"])
        status = 400 if (error or form.errors) else 200
        return self.render_portal(request, TEMPLATES + "confirm.html", context, status=status)

    # --- result ----------------------------------------------------------------------------------

    @customer_route(r"^pay/result/(?P<intent>pi_[A-Za-z0-9_]+)/$", name="pay_result", nav="invoices")
    def pay_result(self, request, portal, intent):
        portal.require(PAY)
        outcome = svc.payment_outcome(account=portal.account, intent_id=intent)
        if outcome.state == "unknown":  # another account's payment, or none at all
            raise Http404("Not found.")
        if outcome.state == "succeeded":
            request.session.pop(self._wizard_key(), None)
        context = {
            "outcome": outcome,
            "status_url": self.route_url("pay_status", intent, request=request),
            "retry_url": self.route_url("pay_card", request=request),
            "back_url": self._back_url(request),
            "receipt_url": self.route_url("payment_receipt", outcome.payment.pk, request=request)
            if outcome.payment and outcome.state == "succeeded"
            else "",
            "allocations": [
                (a, self._optional_url(request, "invoice", a.invoice_id))
                for a in (outcome.payment.allocations.select_related("invoice") if outcome.payment else [])
            ],
        }
        return self.render_portal(request, TEMPLATES + "result.html", context)

    @customer_route(r"^pay/status/(?P<intent>pi_[A-Za-z0-9_]+)/$", name="pay_status", nav="invoices")
    def pay_status(self, request, portal, intent):
        portal.require(PAY)
        outcome = svc.payment_outcome(account=portal.account, intent_id=intent)
        if outcome.state == "unknown":
            raise Http404("Not found.")
        return JsonResponse({"state": outcome.state, "message": outcome.message})

    # --- receipts --------------------------------------------------------------------------------

    @customer_route(r"^payments/(?P<pk>\d+)/receipt/$", name="payment_receipt", nav="payments")
    def payment_receipt(self, request, portal, pk):
        payment = access.get_object_or_404(
            Payment.objects.select_related("payer").prefetch_related("allocations__invoice"),
            portal=portal,
            pk=pk,
        )
        return self.render_portal(request, TEMPLATES + "receipt.html", {"payment": payment})

    # --- saved cards and autopay -----------------------------------------------------------------

    @customer_route(r"^payments/methods/$", name="payment_methods", nav="payments")
    def payment_methods(self, request, portal):
        portal.require(PAY)
        account = portal.account
        autopay_form = AutopayForm(initial={"enabled": account.autopay})
        error = ""
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "add":
                    method = svc.payment_method_add(
                        account=account, payment_method_id=request.POST.get("payment_method", ""), user=request.user
                    )
                    messages.success(request, _("%(card)s was saved.") % {"card": method})
                elif action in ("remove", "default"):
                    method = access.get_object_or_404(
                        PaymentMethod.objects.all(), portal=portal, pk=request.POST.get("method")
                    )
                    if action == "remove":
                        svc.payment_method_remove(method=method)
                        messages.success(request, _("%(card)s was removed.") % {"card": method})
                    else:
                        svc.payment_method_set_default(method=method)
                        messages.success(request, _("%(card)s is now your default card.") % {"card": method})
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
                return redirect(self.route_url("payment_methods", request=request))
        account.refresh_from_db(fields=["autopay"])
        cards = list(PaymentMethod.objects.filter(account=account))
        try:
            client_secret = svc.setup_intent_start(account=account, contact=portal.contact, nonce=secrets.token_hex(8))
        except svc.PaymentError as exc:
            client_secret, error = "", error or str(exc)
        context = {
            "cards": cards,
            "has_default": any(c.is_default for c in cards),
            "autopay_form": autopay_form,
            "error": error,
            "client_secret": client_secret,
            "stripe_js": gateway.js_url(),
            "publishable_key": gateway.publishable_key(),
            "account": account,
        }
        return self.render_portal(request, TEMPLATES + "methods.html", context, status=400 if error else 200)
