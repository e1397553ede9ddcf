// The SLA dashboard's behaviours: the weekly trend charts, drawn in the colours of the current
// theme (axis labels, legend and grid follow the page's text colours, so they stay readable in
// dark mode, and are redrawn when the theme changes), and the period controls (choosing a preset
// clears the dates, editing a date makes the period custom).
(function () {
  "use strict";

  function cssColour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function themeColours() {
    return {
      text: cssColour("--pico-color") || "#373c44",
      grid: cssColour("--pico-muted-border-color") || "#e7eaf0",
    };
  }

  function axes(colours) {
    var axis = { ticks: { color: colours.text }, grid: { color: colours.grid }, border: { color: colours.grid } };
    return {
      x: axis,
      y: { beginAtZero: true, ticks: { precision: 0, color: colours.text }, grid: { color: colours.grid }, border: { color: colours.grid } },
    };
  }

  function options(colours) {
    return {
      responsive: true,
      animation: false,
      color: colours.text,
      scales: axes(colours),
      plugins: { legend: { labels: { color: colours.text } } },
    };
  }

  function drawCharts() {
    var source = document.getElementById("dashboard-trends");
    if (!window.Chart || !source) { return; }
    var data = JSON.parse(source.textContent);
    var colours = themeColours();
    var charts = [
      new window.Chart(document.getElementById("chart-flow"), {
        type: "bar",
        data: { labels: data.labels, datasets: [
          { label: "Raised", data: data.raised, backgroundColor: cssColour("--noc-blue") },
          { label: "Resolved", data: data.resolved, backgroundColor: cssColour("--noc-green") },
        ] },
        options: options(colours),
      }),
      new window.Chart(document.getElementById("chart-breached"), {
        type: "line",
        data: { labels: data.labels, datasets: [
          { label: "Breached", data: data.breached, borderColor: cssColour("--noc-red"), backgroundColor: cssColour("--noc-red") },
        ] },
        options: options(colours),
      }),
    ];

    function recolour() {
      var now = themeColours();
      charts.forEach(function (chart) {
        chart.options.color = now.text;
        chart.options.scales = axes(now);
        chart.options.plugins.legend.labels.color = now.text;
        chart.update();
      });
    }
    new MutationObserver(recolour).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", recolour);
    }
  }

  function linkPeriodControls() {
    var preset = document.getElementById("id_days");
    var from = document.getElementById("id_date_from");
    var to = document.getElementById("id_date_to");
    if (!preset || !from || !to) { return; }
    preset.addEventListener("change", function () {
      if (preset.value) { from.value = ""; to.value = ""; }
    });
    [from, to].forEach(function (input) {
      input.addEventListener("change", function () { preset.value = ""; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    linkPeriodControls();
  });
})();
