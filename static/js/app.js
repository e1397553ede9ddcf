// The NOC pages' small behaviours: the colour theme (light, dark, or the system's),
// countdowns that tick without a reload, and what each button of a form requires.
// Everything else is htmx.
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

  // --- What each button of a form requires (the raise form) -------------------------------
  // "Submit to supplier" needs what the supplier requires, "Save draft" only what a draft
  // does. A field marked data-required-for="<button value>" becomes required just before the
  // browser checks the form for that button (pressed, or by Enter in a field, which presses
  // the form's first button); a rule met by any one of several fields (data-one-of) is checked
  // the same way and says its own message (data-one-of-message).
  function requireFor(form, intent) {
    var groups = {};
    form.querySelectorAll("[data-required-for]").forEach(function (field) {
      var needed = field.getAttribute("data-required-for") === intent;
      var group = field.getAttribute("data-one-of");
      if (group) {
        (groups[group] = groups[group] || []).push({ field: field, needed: needed });
      } else {
        field.required = needed;
      }
    });
    Object.keys(groups).forEach(function (key) {
      var members = groups[key];
      var met = members.some(function (m) { return m.field.value.trim() !== ""; });
      members.forEach(function (m, i) {
        var message = m.field.getAttribute("data-one-of-message") || "Fill in one of these.";
        m.field.setCustomValidity(i === 0 && m.needed && !met ? message : "");
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button, input[type=submit]") : null;
    if (button && button.type === "submit" && button.form && !button.formNoValidate) {
      requireFor(button.form, button.value);
    }
  });
  document.addEventListener("input", function (event) {
    var key = event.target.getAttribute ? event.target.getAttribute("data-one-of") : null;
    if (!key || !event.target.form) { return; }
    event.target.form.querySelectorAll("[data-one-of]").forEach(function (field) {
      if (field.getAttribute("data-one-of") === key) { field.setCustomValidity(""); }
    });
  });

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
