// Live board: submit the location picker on change (the "Show" button does it without JS).
// The table itself refreshes through htmx (hx-trigger="every 30s") or the <noscript> refresh.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
