// Report charts: every <canvas data-report-chart="ID"> is drawn from the JSON in the
// <script type="application/json" id="ID"> next to it (written by Django's json_script).
// The tables under the charts hold the same figures, so the page works without JavaScript.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;

  var palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#0dcaf0", "#6c757d"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.reportChart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (ds, i) {
      var colour = palette[i % palette.length];
      return Object.assign({ backgroundColor: colour, borderColor: colour, borderWidth: 1 }, ds);
    });
    var valueAxis = {
      beginAtZero: true,
      stacked: spec.stacked,
      title: { display: !!spec.yLabel, text: spec.yLabel }
    };
    if (spec.yMax !== null && spec.yMax !== undefined) valueAxis.max = spec.yMax;
    var categoryAxis = { stacked: spec.stacked, ticks: { autoSkip: true } };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        scales: spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
      }
    });
  }

  document.querySelectorAll("canvas[data-report-chart]").forEach(draw);

  // Charts redraw at print width so they fit the page.
  window.addEventListener("beforeprint", function () {
    Object.values(window.Chart.instances || {}).forEach(function (chart) { chart.resize(); });
  });
})();
