// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Sign out on the screen too when the session has idled out (the server enforces it as well).
  var body = document.body;
  var minutes = parseInt(body.getAttribute("data-idle-minutes") || "0", 10);
  if (minutes > 0 && document.querySelector(".topbar")) {
    var timer;
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.reload(); }, (minutes * 60 + 5) * 1000);
    };
    ["keydown", "pointerdown", "htmx:afterRequest"].forEach(function (name) { document.addEventListener(name, reset, true); });
    reset();
  }
  // Lab form: suggest the canonical unit of the chosen test.
  var units = document.getElementById("lab-units");
  var test = document.getElementById("id_test");
  var unit = document.getElementById("id_unit");
  if (units && test && unit) {
    var map = JSON.parse(units.textContent);
    test.addEventListener("change", function () {
      var list = map[test.value] || [];
      if (list.indexOf(unit.value) === -1) { unit.value = list[0] || ""; }
    });
  }

  // The printable worklist: "Print worklist" opens the whole list (?all=1&print=1) and prints it.
  if (/[?&]print=1(&|$)/.test(window.location.search) && typeof window.print === "function") {
    window.addEventListener("load", function () { window.print(); });
  }
  // After a dose is recorded, keyboard focus moves to the next row's first action (or, at the end
  // of the list, to the row just recorded), so that a nurse can go down the list with the keyboard.
  document.addEventListener("htmx:afterSettle", function () {
    var done = document.querySelector("[data-focus-next]");
    if (!done) { return; }
    done.removeAttribute("data-focus-next");
    var row = done.nextElementSibling;
    while (row && !(row.classList.contains("work-item") && !row.classList.contains("recorded"))) {
      row = row.nextElementSibling;
    }
    var target = row && row.querySelector(".actions a, .actions button, .actions summary");
    if (!target) {
      target = done;
      done.setAttribute("tabindex", "-1");
    }
    target.focus();
  });
  // An alert acknowledged or resolved: the counts on the page and the menu's badge are read again.
  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail || {};
    var path = (detail.requestConfig && detail.requestConfig.path) || "";
    if (detail.successful && detail.requestConfig && detail.requestConfig.verb === "post" && /\/alerts\/\d+\//.test(path)) {
      document.body.dispatchEvent(new CustomEvent("alert-changed", { bubbles: true }));
    }
  });
})();
