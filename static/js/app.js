// The NOC pages' small behaviours: the colour theme (light, dark, or the system's),
// countdowns that tick without a reload, what each button of a form requires, and live
// refreshes that keep what the person entered. Everything else is htmx.
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

  // --- A swap keeps what the person entered ------------------------------------------------
  // The fault page refreshes its parts as the supplier moves the fault: htmx replaces the
  // elements, and with them what was typed, picked or opened in them. Before a swap this
  // remembers, inside the part replaced, each control whose value differs from the one the
  // page gave it (text, choices, a chosen file), which <details> are open, and the focused
  // control with its caret; after the swap it puts them back into the same controls (matched
  // by form action and name, or id). The form that made the request is left to the server's
  // answer (emptied once a comment is added, shown with its errors otherwise). What was
  // entered into an action the new status no longer offers is kept, with its buttons
  // disabled and a note, so that nothing typed is lost.
  var ENTRY = "input, textarea, select";
  var NOT_ENTRIES = { hidden: 1, submit: 1, button: 1, reset: 1, image: 1 };

  function isEntry(el) {
    return el.matches && el.matches(ENTRY) && !NOT_ENTRIES[el.type];
  }

  function controlKey(el) {
    var form = el.form ? (el.form.getAttribute("action") || el.form.id || "") : "";
    if (el.name) {
      var choice = el.type === "radio" || el.type === "checkbox" ? "|" + el.value : "";
      return form + "|" + el.name + choice;
    }
    return el.id ? "#" + el.id : null;
  }

  // Controls the person typed into or chose in (a value the page gave is not an entry, even
  // where the browser could not take it as given), and the ones their entries were put back in.
  var touched = new WeakSet();
  function touch(event) { if (event.isTrusted && isEntry(event.target)) { touched.add(event.target); } }
  document.addEventListener("input", touch, true);
  document.addEventListener("change", touch, true);

  function entered(el) {
    if (!touched.has(el)) { return false; }
    if (el.type === "file") { return !!(el.files && el.files.length); }
    if (el.type === "checkbox" || el.type === "radio") { return el.checked !== el.defaultChecked; }
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  function detailsKey(details) {
    var summary = details.querySelector("summary");
    return details.id ? "#" + details.id
      : (details.className || "") + "|" + (summary ? summary.textContent.trim() : "");
  }

  function caret(el) {
    try {
      return { start: el.selectionStart, end: el.selectionEnd, direction: el.selectionDirection };
    } catch (e) { return null; }  // inputs without a caret (date, select, …)
  }

  function remember(target, sentForm) {
    var kept = { targetId: target.id, controls: [], details: [], focus: null };
    target.querySelectorAll(ENTRY).forEach(function (el) {
      if (!isEntry(el) || (sentForm && el.form === sentForm) || !entered(el)) { return; }
      var key = controlKey(el);
      if (key) { kept.controls.push({ key: key, el: el }); }
    });
    target.querySelectorAll("details").forEach(function (details) {
      if (!(sentForm && details.contains(sentForm))) {
        kept.details.push({ key: detailsKey(details), open: details.open });
      }
    });
    var active = document.activeElement;
    if (active && target.contains(active) && isEntry(active) && !(sentForm && active.form === sentForm)) {
      kept.focus = { key: controlKey(active), caret: caret(active) };
    }
    return kept;
  }

  function putBack(into, from) {
    touched.add(into);
    if (from.type === "file") {
      try { into.files = from.files; } catch (e) { into.replaceWith(from); }
    } else if (from.type === "checkbox" || from.type === "radio") {
      into.checked = from.checked;
    } else if (from.tagName === "SELECT") {
      var chosen = Array.prototype.filter.call(from.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; });
      Array.prototype.forEach.call(into.options, function (o) { o.selected = chosen.indexOf(o.value) !== -1; });
    } else {
      into.value = from.value;
    }
  }

  function keepGone(root, controls) {
    var blocks = [];
    controls.forEach(function (el) {
      var block = el.closest(".action") || el.form || el;
      if (blocks.indexOf(block) === -1) { blocks.push(block); }
    });
    blocks.forEach(function (block) {
      var home = block.parentElement && block.parentElement.closest("[id]");
      var anchor = (home && document.getElementById(home.id)) || root;
      if (!root.contains(anchor)) { anchor = root; }
      block.querySelectorAll("button, input[type=submit]").forEach(function (b) { b.disabled = true; });
      var note = document.createElement("div");
      note.className = "kept-entry";
      note.setAttribute("role", "note");
      var text = document.createElement("p");
      text.textContent = "No longer possible now that the fault has moved on. What you entered "
        + "is kept here so that you can copy it.";
      note.appendChild(text);
      note.appendChild(block);
      anchor.appendChild(note);
    });
  }

  function restore(kept) {
    var root = document.getElementById(kept.targetId);
    if (!root) { return; }
    var controls = {};
    root.querySelectorAll(ENTRY).forEach(function (el) {
      var key = isEntry(el) ? controlKey(el) : null;
      if (key && !controls[key]) { controls[key] = el; }
    });
    var gone = [];
    kept.controls.forEach(function (saved) {
      if (controls[saved.key]) { putBack(controls[saved.key], saved.el); } else { gone.push(saved.el); }
    });
    var details = {};
    root.querySelectorAll("details").forEach(function (d) { details[detailsKey(d)] = d; });
    kept.details.forEach(function (saved) {
      if (details[saved.key]) { details[saved.key].open = saved.open; }
    });
    if (gone.length) { keepGone(root, gone); }
    var focus = kept.focus && controls[kept.focus.key];
    if (focus) {
      focus.focus({ preventScroll: true });
      var at = kept.focus.caret;
      if (at && at.start !== null) {
        try { focus.setSelectionRange(at.start, at.end, at.direction); } catch (e) { /* no caret */ }
      }
    }
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    if (!detail.shouldSwap || !target || !target.id || !detail.xhr) { return; }
    var elt = detail.requestConfig && detail.requestConfig.elt;
    var sentForm = elt && elt.closest ? elt.closest("form") : null;
    detail.xhr.nocKept = remember(target, sentForm);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.nocKept) {
      var kept = xhr.nocKept;
      xhr.nocKept = null;
      restore(kept);
    }
  });

  // --- A field in error is marked, and unmarked once fixed ---------------------------------
  // Django marks a control it renders with errors (aria-invalid, and aria-describedby naming
  // the error list `<id>_error`). The raise form's live check and the fault list's filters
  // refresh their errors with htmx without re-rendering the controls, so after every swap each
  // field (includes/field.html: data-error-id) is marked from whether its error list is on the
  // page now: aria-invalid, which Pico draws with a red border, and the list named by
  // aria-describedby; both are taken away when the error is gone.
  function markFields(scope) {
    scope.querySelectorAll(".field[data-error-id]").forEach(function (field) {
      var errorId = field.getAttribute("data-error-id");
      var list = document.getElementById(errorId);
      var invalid = !!(list && list.textContent.trim());
      field.querySelectorAll("input, select, textarea").forEach(function (control) {
        if (NOT_ENTRIES[control.type]) { return; }
        if (invalid) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
        var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/)
          .filter(function (id) { return id && id !== errorId; });
        if (invalid) { ids.push(errorId); }
        if (ids.length) { control.setAttribute("aria-describedby", ids.join(" ")); } else { control.removeAttribute("aria-describedby"); }
      });
    });
  }
  document.addEventListener("htmx:afterSettle", function () { markFields(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { markFields(document); });

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
