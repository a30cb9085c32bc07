/* The visit page (onsite/templates/onsite/visit.html):
 * - the check-in form carries the phone's position when the browser gives it
 *   (hidden latitude, longitude, accuracy; the check-in never waits for it);
 * - each [data-signature] block wires signature_pad 5.1.4 (static/vendor/
 *   signature_pad) to its hidden input `signature` as a PNG data URL: touch and
 *   mouse, "clear" to sign again. */
(function () {
  "use strict";

  function geolocate() {
    var forms = document.querySelectorAll("form[data-geolocate]");
    if (!forms.length || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      forms.forEach(function (form) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        form.elements.accuracy.value = Math.round(pos.coords.accuracy || 0);
      });
    }, function () { /* refused or unavailable: the check-in goes without a position */ },
    {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }

  function wire(block) {
    var canvas = block.querySelector("canvas");
    var input = block.querySelector("input[name=signature]");
    if (!canvas || !input || typeof window.SignaturePad !== "function") return;
    var pad = new window.SignaturePad(canvas, {penColor: "#111", minWidth: 1, maxWidth: 3});

    function store() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    }

    function fit() {
      // The canvas's pixels follow its size on screen (and the screen's density).
      var width = canvas.offsetWidth;
      if (!width) return;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = width * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(data);
      store();
    }

    pad.addEventListener("endStroke", store);
    block.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pad.clear();
      store();
    });
    var details = block.closest("details");
    if (details) details.addEventListener("toggle", fit);
    window.addEventListener("resize", fit);
    fit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    geolocate();
    document.querySelectorAll("[data-signature]").forEach(wire);
  });
})();
