/* Card entry with Stripe.js (real js.stripe.com in production, localstripe's shim in demo and tests).
 * The card goes to Stripe only: the browser confirms a SetupIntent and sends back the payment method id. */
(function () {
  "use strict";
  var FRIENDLY = "We could not check this card. Please verify the number, expiry date and CVC.";

  function cardForm(form) {
    var stripe = Stripe(form.dataset.publishableKey);
    var card = stripe.elements().create("card", {hidePostalCode: false});
    card.mount("#card-element");
    var errors = document.getElementById("card-errors");
    var button = document.getElementById("card-submit");
    var newCard = document.getElementById("new-card-fields");

    function sourceValue() {
      var checked = form.querySelector("input[name=source]:checked");
      return checked ? checked.value : "new";
    }
    function toggle() { if (newCard) { newCard.hidden = sourceValue() !== "new"; } }
    form.querySelectorAll("input[name=source]").forEach(function (r) { r.addEventListener("change", toggle); });
    toggle();

    function showError(message) {
      errors.textContent = message || FRIENDLY;
      errors.hidden = false;
      button.disabled = false;
      errors.focus();
    }

    form.addEventListener("submit", function (event) {
      var source = sourceValue();
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

  function authenticate(box) {
    var stripe = Stripe(box.dataset.publishableKey);
    stripe.confirmCardPayment(box.dataset.clientSecret).then(function () {
      window.location.href = box.dataset.resultUrl;  // the result page asks the server how it went
    }, function () { window.location.href = box.dataset.resultUrl; });
  }

  var form = document.getElementById("card-form");
  if (form && form.dataset.clientSecret) { cardForm(form); }
  var box = document.getElementById("authenticate");
  if (box) { authenticate(box); }
})();
