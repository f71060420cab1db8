// The findings filter: a finding shows when its category and its severity are both
// ticked; a rule or service group without a shown finding is hidden with it. The
// address may preset it: report.html#category=timeout,idempotency&severity=error
"use strict";
(function () {
  var form = document.getElementById("filter");
  if (!form) {
    return;
  }
  function ticked(kind) {
    var on = {};
    form.querySelectorAll("input[data-filter='" + kind + "']").forEach(function (box) {
      on[box.value] = box.checked;
    });
    return on;
  }
  function apply() {
    var categories = ticked("category");
    var severities = ticked("severity");
    var shown = 0;
    document.querySelectorAll(".finding").forEach(function (f) {
      var show = categories[f.dataset.category] === true && severities[f.dataset.severity] === true;
      f.hidden = !show;
      if (show) {
        shown += 1;
      }
    });
    document.querySelectorAll(".rule, .service").forEach(function (group) {
      group.hidden = group.querySelector(".finding:not([hidden])") === null;
    });
    document.getElementById("shown").textContent = String(shown);
  }
  // Presets from the address: a kind it names keeps only the values listed.
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var pair = part.split("=");
    if (pair.length !== 2 || (pair[0] !== "category" && pair[0] !== "severity")) {
      return;
    }
    var wanted = decodeURIComponent(pair[1]).split(",");
    form.querySelectorAll("input[data-filter='" + pair[0] + "']").forEach(function (box) {
      box.checked = wanted.indexOf(box.value) >= 0;
    });
  });
  form.addEventListener("change", apply);
  apply();
})();
