// The fault list's "select all on this page" checkbox (templates/faults/worklists/_fault_results.html):
// it ticks or unticks every row's checkbox of the bulk actions, and shows "some" (indeterminate)
// when only some are ticked. Without JavaScript it stays hidden: the bulk panel's "All N on this
// page" does the same. Listeners are on the document, so results swapped in by htmx work too.
(function () {
  "use strict";
  var ROWS = 'input[type="checkbox"][form="bulk-actions"][name="fault"]';

  function all() { return document.getElementById("bulk-select-page"); }

  function reflect() {
    var box = all();
    if (!box) { return; }
    box.hidden = false;
    var rows = document.querySelectorAll(ROWS);
    var ticked = document.querySelectorAll(ROWS + ":checked").length;
    box.checked = rows.length > 0 && ticked === rows.length;
    box.indeterminate = ticked > 0 && ticked < rows.length;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "bulk-select-page") {
      document.querySelectorAll(ROWS).forEach(function (row) { row.checked = target.checked; });
      reflect();
    } else if (target.matches && target.matches(ROWS)) {
      reflect();
    }
  });
  document.addEventListener("DOMContentLoaded", reflect);
  document.addEventListener("htmx:afterSettle", reflect);
})();
