/* Small behaviours of the portal screens, without inline event handlers (Content Security Policy):
   [data-print] prints the page, [data-autosubmit] submits its form on change (filters only, never a context change),
   Escape or a click elsewhere closes the user and cases menus,
   form[data-confirm] asks before submitting, [data-copy] copies its target field's text (shown once the browser
   can copy; the field stays selectable without it). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var field = document.querySelector(copy.dataset.copy);
      var label = copy.textContent;
      navigator.clipboard.writeText(field.value).then(function () {
        copy.textContent = copy.dataset.copied;
        var status = copy.closest("div").parentNode.querySelector("[data-copy-status]");
        if (status) { status.textContent = copy.dataset.copied; }
        window.setTimeout(function () { copy.textContent = label; }, 2000);
      }, function () { field.select(); });
    }
  });
  if (navigator.clipboard) {
    document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
  // Escape closes an open menu (the user menu, the cases menu, the tab bar's More) and gives the focus back to its button
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = (event.target.closest && event.target.closest("details[open]")) || document.querySelector("details.user-menu[open], details.tabs__more[open]");
    if (menu && menu.matches("details.user-menu, details.tabs__more")) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });
  // a click elsewhere closes an open menu
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open], details.tabs__more[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });
})();
