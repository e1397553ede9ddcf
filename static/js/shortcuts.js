// Keyboard shortcuts (faults/ui/shortcuts.py lists them in the "?" dialog). A page offers one
// by marking an element data-shortcut="<keys>": a field is focused, a button or link pressed.
// "j"/"k" walk the fault links of the queue or the list ([data-fault-rows]); on a fault opened
// from there they go to the next or previous fault of that list, which the list left in
// sessionStorage. Keys typed into a field are the field's: Esc leaves the field first.
(function () {
  "use strict";
  var SEQUENCE_KEY = "noc-fault-sequence";
  var PREFIX_WAIT_MS = 1500;
  var prefix = "";
  var prefixTimer = null;

  function isTyping(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    if (target.isContentEditable || tag === "textarea" || tag === "select") { return true; }
    if (tag !== "input") { return false; }
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) === -1;
  }

  function visible(el) { return !!(el.offsetParent || el.getClientRects().length); }

  function say(text) {
    var status = document.getElementById("shortcut-status");
    if (!status) { return; }
    status.textContent = text;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { status.textContent = ""; }, 4000);
  }

  function helpDialog() { return document.getElementById("shortcut-help"); }

  function toggleHelp() {
    var dialog = helpDialog();
    if (!dialog) { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }

  function faultLinks() {
    // The first link of each row of a fault table is the fault's own.
    var rows = document.querySelectorAll("[data-fault-rows] > tr");
    var links = [];
    rows.forEach(function (row) {
      var link = row.querySelector("a[href]");
      if (link && visible(link)) { links.push(link); }
    });
    return links;
  }

  function rememberSequence() {
    var links = faultLinks();
    if (!links.length) { return; }
    var paths = links.map(function (a) { return new URL(a.href, location.href).pathname; });
    try { sessionStorage.setItem(SEQUENCE_KEY, JSON.stringify(paths)); } catch (e) { /* private */ }
  }

  function step(by) {
    var links = faultLinks();
    if (links.length) {
      var at = links.indexOf(document.activeElement);
      var next = at === -1 ? (by > 0 ? 0 : links.length - 1) : at + by;
      if (next < 0 || next >= links.length) { say(by > 0 ? "Last fault of the page." : "First fault of the page."); return; }
      links[next].focus();
      links[next].scrollIntoView({ block: "nearest" });
      return;
    }
    var paths = [];
    try { paths = JSON.parse(sessionStorage.getItem(SEQUENCE_KEY) || "[]"); } catch (e) { paths = []; }
    var here = paths.indexOf(location.pathname);
    if (here === -1) { say("Open a fault from the queue or the list to move between faults."); return; }
    var target = paths[here + by];
    if (!target) { say(by > 0 ? "This is the last fault of the list." : "This is the first fault of the list."); return; }
    location.assign(target);
  }

  function press(keys) {
    var candidates = document.querySelectorAll('[data-shortcut="' + keys + '"]');
    var el = null;
    for (var i = 0; i < candidates.length; i++) {
      var details = candidates[i].closest("details");
      if (details && !details.open && !visible(candidates[i])) { details.open = true; }
      if (visible(candidates[i]) && !candidates[i].disabled) { el = candidates[i]; break; }
    }
    if (!el) { return false; }
    if (isTyping(el)) {
      el.focus();
      el.scrollIntoView({ block: "center" });
    } else {
      el.click();
    }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (isTyping(event.target)) {
      if (event.key === "Escape" && !event.target.closest("dialog")) { event.target.blur(); }
      return;
    }
    var dialog = helpDialog();
    if (dialog && dialog.open && event.key !== "?") { return; }  // the dialog's own keys
    var key = event.key;
    if (key.length !== 1) { return; }
    if (key === "?") { event.preventDefault(); toggleHelp(); return; }
    var keys = prefix ? prefix + " " + key : key;
    clearTimeout(prefixTimer);
    prefix = "";
    if (keys === "g") {
      prefix = "g";
      prefixTimer = setTimeout(function () { prefix = ""; }, PREFIX_WAIT_MS);
      event.preventDefault();
      return;
    }
    if (keys === "j" || keys === "k") { event.preventDefault(); step(keys === "j" ? 1 : -1); return; }
    if (press(keys)) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest('[aria-controls="shortcut-help"]');
    if (opener) { toggleHelp(); return; }
    if (event.target.closest("[data-close-dialog]")) {
      var dialog = event.target.closest("dialog");
      if (dialog) { dialog.close(); }
    }
  });

  document.addEventListener("DOMContentLoaded", rememberSequence);
  document.addEventListener("htmx:afterSettle", rememberSequence);
})();
