/* Focus management for keyboard and screen-reader users: after a form is sent back with errors, focus the error
 * summary; on wizard steps, focus the step's heading so the new step is announced and Tab starts from there.
 * The summary's links move focus to their field; tables that scroll sideways can take the focus. */
(function () {
  "use strict";
  var target = document.querySelector("[data-error-summary]") || document.querySelector("[data-focus-on-load]");
  if (target) { target.focus({preventScroll: false}); }
  // a table wider than the screen scrolls sideways: let keyboard users focus it to scroll with the arrow keys
  function scrollables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) { wrap.setAttribute("tabindex", "0"); }
      else if (wrap.getAttribute("tabindex") === "0") { wrap.removeAttribute("tabindex"); }
    });
  }
  scrollables();
  window.addEventListener("resize", scrollables);
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) { event.preventDefault(); field.focus(); }
    });
  });
})();
