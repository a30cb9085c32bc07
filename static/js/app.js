/* Deadline countdowns: every [data-due] element shows the time left (or
 * overdue) and keeps it current. The words come from the <body> data-i18n-*
 * attributes, translated by Django; tickets.views.duration_text formats the
 * first rendering the same way. */
(function () {
  "use strict";

  function words() {
    var b = document.body.dataset;
    return {left: b.i18nLeft || "{t} left", overdue: b.i18nOverdue || "overdue by {t}",
            d: b.i18nDays || "{n} d", h: b.i18nHours || "{n} h", m: b.i18nMinutes || "{n} min"};
  }

  function duration(seconds, w) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    if (days) return w.d.replace("{n}", days) + " " + w.h.replace("{n}", hours);
    if (hours) return w.h.replace("{n}", hours) + " " + w.m.replace("{n}", mins);
    return w.m.replace("{n}", mins);
  }

  function tick() {
    var w = words();
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var seconds = Math.round((due - now) / 1000);
      var overdue = seconds < 0;
      el.textContent = (overdue ? w.overdue : w.left).replace("{t}", duration(seconds, w));
      el.classList.toggle("is-overdue", overdue);
      el.classList.toggle("is-soon", !overdue && seconds < 2 * 3600);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 20000);
    document.body.addEventListener("htmx:afterSettle", tick);
  });
})();

/* The phone menu: folded behind its button once this script runs (without
 * it the menu stays open and wraps); the wide layout ignores the fold. */
(function () {
  "use strict";

  function setUp() {
    var toggle = document.querySelector(".nav-toggle");
    var bar = document.querySelector(".topbar");
    if (!toggle || !bar) return;
    toggle.hidden = false;
    bar.dataset.nav = "folded";
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", function () {
      var open = bar.dataset.nav === "folded";
      bar.dataset.nav = open ? "open" : "folded";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();

/* The menu's groups (<details class="navgroup">) open without script; this
 * only closes the others when one opens, and all of them on a click outside or Escape. */
(function () {
  "use strict";

  function closeAll(except) {
    document.querySelectorAll(".navgroup[open]").forEach(function (group) {
      if (group !== except) group.open = false;
    });
  }

  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (group.classList && group.classList.contains("navgroup") && group.open) closeAll(group);
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".navgroup")) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeAll(null);
  });
})();

/* A refreshing panel ([data-hold-while-typing], e.g. the callback queue) is
 * not swapped away while a note in it is being typed. In a file, not an htmx
 * trigger filter: the Content-Security-Policy forbids the eval htmx needs for those. */
document.addEventListener("htmx:beforeRequest", function (event) {
  "use strict";
  var panel = event.detail.elt;
  if (panel.hasAttribute && panel.hasAttribute("data-hold-while-typing") &&
      panel.querySelector("textarea:focus, textarea:not(:placeholder-shown)")) {
    event.preventDefault();
  }
});
