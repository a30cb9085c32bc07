/* The customer's signature on the sign-off and take-back forms (issue 14):
 * each [data-signature-pad] box holds a canvas drawn on with the finger or
 * the mouse (signature_pad, vendored in static/vendor/signature_pad/), a
 * hidden input `signature` that receives the drawing as a PNG data URL after
 * each stroke, and a button [data-signature-clear] to clear and redo.
 * Boxes that arrive later through htmx are set up on htmx:load. */
(function () {
  "use strict";
  if (window.servicedeskSignaturePads) { return; }
  window.servicedeskSignaturePads = true;

  function setUp(box) {
    if (box.getAttribute("data-ready") === "1") { return; }
    var canvas = box.querySelector("canvas");
    var input = box.querySelector("input[name=signature]");
    if (!canvas || !input) { return; }
    box.setAttribute("data-ready", "1");
    var pad = new window.SignaturePad(canvas, { penColor: "#111827", minWidth: 1, maxWidth: 3 });

    function fit() {
      if (!canvas.offsetWidth) { return; }  // folded away in a closed <details>: fitted when it opens
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var drawn = pad.isEmpty() ? null : pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (drawn) { pad.fromData(drawn); }
    }

    pad.addEventListener("endStroke", function () {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      box.classList.add("signed");
    });
    var clear = box.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        input.value = "";
        box.classList.remove("signed");
      });
    }
    var details = box.closest("details");
    if (details) { details.addEventListener("toggle", fit); }
    window.addEventListener("resize", fit);
    fit();
    if (input.value) { pad.fromDataURL(input.value); box.classList.add("signed"); }
  }

  function setUpAll(root, tries) {
    if (!window.SignaturePad) {  // the library's script, inserted with ours, has not run yet
      if (tries < 100) { window.setTimeout(function () { setUpAll(root, tries + 1); }, 50); }
      return;
    }
    (root || document).querySelectorAll("[data-signature-pad]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpAll(document, 0); });
  } else {
    setUpAll(document, 0);
  }
  document.addEventListener("htmx:load", function (event) { setUpAll(event.detail.elt, 0); });
}());
