/* Print buttons of the paper forms ([data-print]): a file, not an onclick
 * attribute, which the Content-Security-Policy does not run. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
