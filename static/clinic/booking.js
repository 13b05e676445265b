/* Booking form: a filter box above a long patient list (type part of a name or MRN).
 * Without this script the list still works (scroll, or type-ahead in the select). */
(function () {
  "use strict";
  var select = document.querySelector("#booking-form select[name=patients]");
  if (!select) { return; }
  var box = document.createElement("input");
  box.type = "search";
  box.className = "form-control form-control-sm mb-1";
  box.id = "patients-filter";
  box.placeholder = "Filter the list";
  box.setAttribute("aria-label", "Filter the patient list");
  select.parentNode.insertBefore(box, select);
  box.addEventListener("input", function () {
    var needle = box.value.trim().toLowerCase();
    Array.prototype.forEach.call(select.options, function (option) {
      var match = !needle || option.selected || option.text.toLowerCase().indexOf(needle) !== -1;
      option.hidden = !match;
    });
  });
})();
