(function () {
  "use strict";
  // Filtering only toggles a class on rows rendered once; nothing is re-rendered.
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var rows = Array.prototype.slice.call(document.querySelectorAll("details.dev"));
  var texts = rows.map(function (row) {
    var summary = row.querySelector("summary");
    return (summary ? summary.textContent : "").toLowerCase();
  });
  var shown = document.getElementById("shown");
  var state = { sev: {}, baseline: {}, kind: "", method: "", text: "" };

  function anyOn(group) {
    for (var key in group) { if (group[key]) { return true; } }
    return false;
  }

  function apply() {
    var sevOn = anyOn(state.sev), baseOn = anyOn(state.baseline), visible = 0;
    var needle = state.text.trim().toLowerCase();
    for (var i = 0; i < rows.length; i++) {
      var d = rows[i].dataset;
      var ok = (!sevOn || state.sev[d.sev]) &&
        (!baseOn || state.baseline[d.baseline]) &&
        (!state.kind || d.kind === state.kind) &&
        (!state.method || d.method === state.method) &&
        (!needle || texts[i].indexOf(needle) !== -1);
      rows[i].classList.toggle("is-hidden", !ok);
      if (ok) { visible++; }
    }
    if (shown) { shown.textContent = "showing " + visible + " of " + rows.length; }
    document.querySelectorAll(".empty-filter").forEach(function (p) {
      p.hidden = visible !== 0 || rows.length === 0;
    });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var filter = button.getAttribute("data-filter");
    if (filter) {
      var value = button.getAttribute("data-value");
      state[filter][value] = !state[filter][value];
      button.setAttribute("aria-pressed", state[filter][value] ? "true" : "false");
      apply();
      return;
    }
    var action = button.getAttribute("data-action");
    if (action === "expand" || action === "collapse") {
      rows.forEach(function (row) {
        if (!row.classList.contains("is-hidden")) { row.open = action === "expand"; }
      });
    } else if (action === "reset") {
      state.sev = {}; state.baseline = {}; state.kind = ""; state.method = ""; state.text = "";
      form.querySelectorAll("[aria-pressed]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      form.querySelectorAll("select, input").forEach(function (el) { el.value = ""; });
      apply();
    }
  });

  form.addEventListener("change", function (event) {
    var filter = event.target.getAttribute("data-filter");
    if (filter === "kind" || filter === "method") { state[filter] = event.target.value; apply(); }
  });
  var timer = null;
  form.addEventListener("input", function (event) {
    if (event.target.getAttribute("data-filter") !== "text") { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { state.text = event.target.value; apply(); }, 120);
  });

  // Copy buttons (hidden without JavaScript).
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (!target) { return; }
      var text = target.textContent;
      var done = function () {
        button.textContent = "Copied";
        button.classList.add("done");
        setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 1500);
      };
      var fallback = function () {
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* text stays selected */ }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });

  // Printing shows every visible deviation opened, then restores what was open.
  var wasOpen = null;
  window.addEventListener("beforeprint", function () {
    wasOpen = rows.map(function (row) { return row.open; });
    rows.forEach(function (row) { row.open = true; });
  });
  window.addEventListener("afterprint", function () {
    if (wasOpen) { rows.forEach(function (row, i) { row.open = wasOpen[i]; }); }
    wasOpen = null;
  });

  apply();
})();
