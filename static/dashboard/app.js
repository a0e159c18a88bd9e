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
})();
