/* Schedule (day and week views): changing a filter shows the result without pressing "Show".
 * Without this script the "Show" button does the same. */
(function () {
  "use strict";
  document.querySelectorAll("form.schedule-filters select, form.schedule-filters input[type=date]")
    .forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.name === "location") {
          // Rooms and guides belong to a location: drop the old ones.
          var form = input.form;
          form.querySelector("[name=room]").value = "";
          form.querySelector("[name=guide]").value = "";
        }
        input.form.requestSubmit();
      });
    });
})();
