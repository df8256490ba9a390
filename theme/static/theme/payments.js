/* Card and bank account entry with Stripe.js (real js.stripe.com in production, localstripe's shim in demo and
 * tests). The card goes to Stripe only: the browser confirms a SetupIntent and sends back the payment method id.
 * A bank account (SEPA Direct Debit) is first checked by the portal (IBAN checksum, holder, mandate accepted:
 * errors next to the fields), then confirmed with confirmSepaDebitSetup under the mandate shown. */
(function () {
  "use strict";
  var FRIENDLY = "We could not check this card. Please verify the number, expiry date and CVC.";
  var BANK_FRIENDLY = "We could not check this bank account. Please verify the IBAN.";

  function clearFieldErrors(form) {
    form.querySelectorAll(".field--error").forEach(function (f) { f.classList.remove("field--error"); });
    form.querySelectorAll(".field .error").forEach(function (e) { e.remove(); });
  }

  function showFieldErrors(form, errors) {
    var first = null;
    Object.keys(errors || {}).forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (!input) { return; }
      var field = input.closest(".field");
      field.classList.add("field--error");
      var box = document.createElement("div");
      box.className = "error";
      box.id = input.id + "_error";
      box.setAttribute("role", "alert");
      errors[name].forEach(function (msg) {
        var p = document.createElement("p");
        p.dataset.testid = "field-error";
        p.textContent = msg;
        box.appendChild(p);
      });
      field.appendChild(box);
      input.setAttribute("aria-describedby", box.id);
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    });
    if (first) { first.focus(); }
  }

  /* The portal checks the bank form (IBAN, holder, mandate) before Stripe sees anything; then Stripe.js confirms
   * the SetupIntent under the mandate and the form goes with the payment method id. */
  function confirmBank(stripe, form, secret, prefix, done, fail) {
    var body = new FormData(form);
    body.set("validate_only", "1");
    clearFieldErrors(form);
    fetch(form.getAttribute("action") || window.location.href, {method: "POST", body: body, credentials: "same-origin",
                                                 headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.ok) { showFieldErrors(form, data.errors); fail(""); return; }
        var holder = form.querySelector("[name='" + prefix + "account_holder']").value;
        var iban = form.querySelector("[name='" + prefix + "iban']").value.replace(/\s+/g, "").toUpperCase();
        return stripe.confirmSepaDebitSetup(secret, {
          payment_method: {sepa_debit: {iban: iban},
                           billing_details: {name: holder, email: form.dataset.email || undefined}}
        }).then(function (result) {
          if (result.error) { fail(result.error.message && result.error.message !== "Bad request" ? result.error.message : BANK_FRIENDLY); return; }
          var pm = result.setupIntent.payment_method;
          form.querySelector("[name='" + prefix + "payment_method']").value = typeof pm === "string" ? pm : pm.id;
          done();
        });
      })
      .catch(function () { fail(BANK_FRIENDLY); });
  }

  function cardForm(form) {
    var stripe = Stripe(form.dataset.publishableKey);
    var card = stripe.elements().create("card", {hidePostalCode: false});
    card.mount("#card-element");
    var errors = document.getElementById("card-errors");
    var button = document.getElementById("card-submit");
    var sections = form.querySelectorAll("[data-source]");

    function sourceValue() {
      var checked = form.querySelector("input[name=source]:checked");
      return checked ? checked.value : "new";
    }
    function toggle() {
      var source = sourceValue();
      sections.forEach(function (s) { s.hidden = s.dataset.source !== source; });
    }
    form.querySelectorAll("input[name=source]").forEach(function (r) { r.addEventListener("change", toggle); });
    toggle();

    function showError(message) {
      if (message) {
        errors.textContent = message;
        errors.hidden = false;
        errors.focus();
      }
      button.disabled = false;
    }

    form.addEventListener("submit", function (event) {
      var source = sourceValue();
      if (source === "check") { return; }  // the portal checks it; nothing goes to Stripe
      if (source === "new_bank") {
        event.preventDefault();
        button.disabled = true;
        errors.hidden = true;
        confirmBank(stripe, form, form.dataset.bankSecret, "bank-", function () { form.submit(); }, showError);
        return;
      }
      if (source !== "new") {
        form.querySelector("#payment-method").value = source;
        return;
      }
      event.preventDefault();
      button.disabled = true;
      errors.hidden = true;
      stripe.confirmCardSetup(form.dataset.clientSecret, {
        payment_method: {card: card, billing_details: {name: form.dataset.name, email: form.dataset.email}}
      }).then(function (result) {
        if (result.error) {
          var msg = result.error.message;
          showError(msg && msg !== "Bad request" ? msg : FRIENDLY);
          return;
        }
        var pm = result.setupIntent.payment_method;
        form.querySelector("#payment-method").value = typeof pm === "string" ? pm : pm.id;
        form.submit();
      }, function () { showError(FRIENDLY); });
    });
  }

  function bankForm(form) {  /* Payment methods: add a bank account */
    var stripe = Stripe(form.dataset.publishableKey);
    var errors = document.getElementById("bank-errors");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      errors.hidden = true;
      confirmBank(stripe, form, form.dataset.bankSecret, "bank-", function () { form.submit(); }, function (msg) {
        if (msg) { errors.textContent = msg; errors.hidden = false; errors.focus(); }
        button.disabled = false;
      });
    });
  }

  function authenticate(box) {
    var stripe = Stripe(box.dataset.publishableKey);
    stripe.confirmCardPayment(box.dataset.clientSecret).then(function () {
      window.location.href = box.dataset.resultUrl;  // the result page asks the server how it went
    }, function () { window.location.href = box.dataset.resultUrl; });
  }

  var form = document.getElementById("card-form");
  if (form && form.dataset.clientSecret) { cardForm(form); }
  var bank = document.getElementById("bank-form");
  if (bank && bank.dataset.bankSecret) { bankForm(bank); }
  var box = document.getElementById("authenticate");
  if (box) { authenticate(box); }
})();
