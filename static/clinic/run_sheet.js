// Run sheet helpers. Everything here is a convenience: the page works without it.
// - mg/kg live preview on the ketamine dose form (the server stores its own computed value)
// - the 5-minute countdown to the next Spravato device (seconds come from data-* attributes,
//   computed by the server, so the tablet's clock does not matter)
(function () {
  "use strict";

  function mgPerKg(form) {
    var dose = form.querySelector("[data-dose-input=dose]");
    var weight = form.querySelector("[data-dose-input=weight]");
    var output = form.querySelector("[data-mgkg-output]");
    if (!dose || !weight || !output) return;
    function update() {
      var d = parseFloat(dose.value);
      var w = parseFloat(weight.value);
      output.textContent = d > 0 && w > 0 ? (d / w).toFixed(3) + " mg/kg" : "—";
    }
    dose.addEventListener("input", update);
    weight.addEventListener("input", update);
    update();
  }

  function countdown(element) {
    var endsAt = Date.now() + parseInt(element.dataset.countdownSeconds, 10) * 1000;
    function tick() {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      if (left === 0) {
        element.textContent = element.dataset.countdownDone || "now";
        element.classList.remove("text-warning-emphasis");
        element.classList.add("text-success-emphasis");
        return;
      }
      var minutes = Math.floor(left / 60);
      var seconds = String(left % 60).padStart(2, "0");
      element.textContent = "next device in " + minutes + ":" + seconds;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function init(root) {
    root.querySelectorAll("form[data-dose-form]").forEach(mgPerKg);
    root.querySelectorAll("[data-countdown-seconds]").forEach(countdown);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
