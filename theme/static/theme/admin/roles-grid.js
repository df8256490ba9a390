/* Roles management grid: each cell is a small POST form; with JavaScript it is sent with fetch and the cell is
   repainted from the server's answer (the server decides the next value). Without JavaScript the form posts. */
(function () {
  function status(text) {
    var box = document.getElementById("roles-grid-status");
    if (box) box.textContent = text || "";
  }

  function paint(form, cell) {
    var button = form.querySelector("button");
    form.querySelector("[data-grant-shown]").value = cell.value;
    button.className = "grant-chip grant-chip--button grant--" + cell.value;
    button.dataset.value = cell.value;
    button.querySelector("[data-grant-shape]").textContent = cell.shape;
    button.querySelector("[data-grant-text]").textContent = cell.value_label;
    button.setAttribute("aria-label", cell.aria_label);
  }

  // "The pluses": without JavaScript every data-level row is shown; with it, each role's rows fold under a button.
  function setExpanded(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.querySelector("[data-expand-shape]").textContent = open ? "\u2212" : "+";
    var text = button.querySelector("[data-expand-text]");
    text.textContent = open ? text.dataset.less : text.dataset.more;
    button.getAttribute("aria-controls").trim().split(/\s+/).forEach(function (id) {
      var row = document.getElementById(id);
      if (row) row.hidden = !open;
    });
  }
  document.querySelectorAll("[data-grid-expand]").forEach(function (button) {
    button.hidden = false;
    setExpanded(button, false);
    button.addEventListener("click", function () {
      setExpanded(button, button.getAttribute("aria-expanded") !== "true");
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-grant-form]");
    if (!form || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (result.data.cell) paint(form, result.data.cell);
        status(result.data.message || result.data.error || "");
      })
      .catch(function () { form.submit(); })
      .finally(function () {
        button.removeAttribute("aria-busy");
        button.focus();
      });
  });
})();
