// The description's live character counter (the limit is the field's maxlength).
(function () {
  "use strict";
  document.querySelectorAll("[data-counter]").forEach(function (field) {
    var out = document.getElementById(field.getAttribute("data-counter"));
    var max = field.getAttribute("maxlength");
    if (!out) { return; }
    function update() { out.textContent = field.value.length + " / " + max + " characters"; }
    field.addEventListener("input", update);
    update();
  });
})();
