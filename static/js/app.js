// The NOC pages' small behaviours: the colour theme (light, dark, or the system's), and
// countdowns that tick without a reload. Everything else is htmx.
(function () {
  "use strict";
  var root = document.documentElement;
  var STORAGE_KEY = "noc-theme";

  function applyTheme(theme) {
    if (theme === "light" || theme === "dark") {
      root.setAttribute("data-theme", theme);
    } else {
      root.removeAttribute("data-theme");
    }
  }

  function currentTheme() {
    var stored = null;
    try { stored = localStorage.getItem(STORAGE_KEY); } catch (e) { /* private mode */ }
    return stored;
  }

  if (!root.hasAttribute("data-theme-fixed")) { applyTheme(currentTheme()); }

  function effectiveDark() {
    var set = root.getAttribute("data-theme");
    if (set) { return set === "dark"; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function syncToggle(button) {
    var dark = effectiveDark();
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.textContent = dark ? "Light mode" : "Dark mode";
  }

  function formatLeft(seconds) {
    var overdue = seconds < 0;
    seconds = Math.abs(Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var text = d ? d + " d " + h + " h" : (h ? h + " h " + m + " m" : m + " m");
    return overdue ? "overdue " + text : text;
  }

  function tickCountdowns() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (!isNaN(deadline)) { el.textContent = formatLeft((deadline - now) / 1000); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (button) {
      syncToggle(button);
      button.addEventListener("click", function () {
        var next = effectiveDark() ? "light" : "dark";
        try { localStorage.setItem(STORAGE_KEY, next); } catch (e) { /* private mode */ }
        applyTheme(next);
        syncToggle(button);
      });
    }
    tickCountdowns();
    setInterval(tickCountdowns, 30000);
  });
  document.addEventListener("htmx:afterSwap", tickCountdowns);
})();
