/* Patient chart: outcome scores as line charts with the scale's severity bands shaded.
 * Data comes from <script type="application/json" id="score-series"> (json_script); the table
 * under the charts shows the same numbers, so the page reads fine without this script. */
(function () {
  "use strict";
  var source = document.getElementById("score-series");
  if (!source || typeof Chart === "undefined") { return; }
  var series = JSON.parse(source.textContent);
  var BAND_COLOURS = [
    "rgba(25, 135, 84, 0.10)", "rgba(255, 193, 7, 0.12)", "rgba(253, 126, 20, 0.13)",
    "rgba(220, 53, 69, 0.12)", "rgba(132, 32, 41, 0.16)"
  ];

  // Draws each band as a shaded horizontal strip with its label, behind the line.
  var bandsPlugin = {
    id: "severityBands",
    beforeDatasetsDraw: function (chart, args, options) {
      var bands = options.bands || [];
      var ctx = chart.ctx, area = chart.chartArea, y = chart.scales.y;
      ctx.save();
      bands.forEach(function (band, i) {
        var top = y.getPixelForValue(Math.min(band.high + (i < bands.length - 1 ? 0.5 : 0), y.max));
        var bottom = y.getPixelForValue(Math.max(band.low - (i > 0 ? 0.5 : 0), y.min));
        ctx.fillStyle = BAND_COLOURS[i % BAND_COLOURS.length];
        ctx.fillRect(area.left, top, area.right - area.left, bottom - top);
        ctx.fillStyle = "rgba(33, 37, 41, 0.75)";
        ctx.font = "11px system-ui, sans-serif";
        ctx.textBaseline = "top";
        ctx.fillText(band.label, area.left + 4, top + 2);
      });
      ctx.restore();
    }
  };

  series.forEach(function (s) {
    var canvas = document.querySelector('canvas.score-chart[data-scale="' + s.scale + '"]');
    if (!canvas) { return; }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: s.points.map(function (p) { return p.x; }),
        datasets: [{
          label: s.label + " total",
          data: s.points.map(function (p) { return p.y; }),
          borderColor: "#0d6efd",
          backgroundColor: "#0d6efd",
          pointRadius: s.points.map(function (p) { return p.alert ? 6 : 3; }),
          pointBackgroundColor: s.points.map(function (p) { return p.alert ? "#dc3545" : "#0d6efd"; }),
          tension: 0.2
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: s.max, title: { display: true, text: "Total score" } } },
        plugins: {
          legend: { display: false },
          severityBands: { bands: s.bands },
          tooltip: {
            callbacks: {
              afterLabel: function (item) {
                var p = s.points[item.dataIndex];
                return p.band + (p.alert ? " · item 9 > 0" : "");
              }
            }
          }
        }
      },
      plugins: [bandsPlugin]
    });
    canvas.setAttribute("data-rendered", "1");
  });
})();
