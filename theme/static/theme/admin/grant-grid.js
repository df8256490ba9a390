/* Case role grid: each cell cycles allow → not granted → deny when clicked. The <select> keeps the value. */
(function () {
  var ORDER = ["allow", "none", "deny"];
  var LABEL = { allow: "\u2713 Allow", none: "\u25CB Not granted", deny: "\u2298 Deny" };

  function paint(select, button) {
    var value = select.value || "none";
    button.className = "grant-cell__button grant--" + value;
    button.textContent = LABEL[value];
    button.setAttribute("aria-label", (select.labels && select.labels[0] ? select.labels[0].textContent.trim() + ": " : "") + LABEL[value].slice(2));
    button.dataset.value = value;
  }

  function init(root) {
    (root || document).querySelectorAll("[data-grant-cell]:not([data-ready])").forEach(function (cell) {
      var select = cell.querySelector("select");
      var button = cell.querySelector("[data-grant-button]");
      if (!select || !button) return;
      cell.dataset.ready = "1";
      select.hidden = true;
      button.hidden = false;
      paint(select, button);
      button.addEventListener("click", function () {
        var next = ORDER[(ORDER.indexOf(select.value) + 1) % ORDER.length];
        select.value = next;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        paint(select, button);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
})();
