// The service credit evidence page: its Print button prints the page (the print styles in
// css/service-credits.css leave out the navigation and the form).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
