/* The agent console: tabs with access keys (Alt+W / Alt+C / Alt+I), focus on
 * the first field of the shown form, Ctrl+Enter submits from a text box, and
 * the one-time-notification checklist follows the chosen kind. Works on the
 * workspace as htmx swaps it in. */
(function () {
  "use strict";

  function checklists() {
    var el = document.getElementById("checklists");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }

  function showTab(name) {
    document.querySelectorAll("#workspace .tab").forEach(function (tab) {
      tab.setAttribute("aria-selected", tab.dataset.tab === name ? "true" : "false");
    });
    document.querySelectorAll("#workspace .tab-panel").forEach(function (panel) {
      panel.hidden = panel.dataset.panel !== name;
      if (!panel.hidden) {
        var first = panel.querySelector("[autofocus], select, input:not([type=hidden]), textarea, button");
        if (first) first.focus();
      }
    });
  }

  function renderChecklist(form) {
    var box = form.querySelector(".checklist-preview");
    if (!box) return;
    var lists = checklists();
    var what = box.dataset.checklistFor;
    var key = what === "complaint" ? "complaint" : (form.querySelector("select[name$=kind]") || {}).value;
    var text = (form.querySelector("textarea[name$=description]") || {}).value || "";
    var category = (form.querySelector("select[name$=category]") || {}).value || "";
    var items = (lists[key] || []).slice();
    if (key === "emergency" && (/^gas/.test(category) || /gas|燃气|煤气|漏气/i.test(text))) {
      items = (lists.emergency_gas || []).concat(items);
    }
    var ol = box.querySelector("ol");
    // Re-render only on a change: a list that moves the buttons under a click swallows the click.
    if (ol.dataset.items === JSON.stringify(items)) return;
    ol.dataset.items = JSON.stringify(items);
    ol.innerHTML = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item;
      ol.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  // issue 13 item 5: after-call work on screen: something typed and not yet
  // filed (a form changed, a read-back waiting for its confirmation) or what
  // was just filed. The watch sends it with every poll, so a new call waits
  // instead of replacing the workspace of the call that ended.
  window.consoleDraft = function () {
    var selector = "#workspace .filing-form[data-dirty], #workspace .readback, #workspace [data-testid=filed]";
    return document.querySelector(selector) ? "1" : "";
  };
  // Added to each poll here rather than by hx-vals="js:…", which htmx would
  // evaluate: the Content-Security-Policy forbids eval (htmx allowEval off).
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "call-watch") {
      event.detail.parameters.draft = window.consoleDraft();
    }
  });

  function wire(root) {
    root.querySelectorAll(".filing-form").forEach(renderChecklist);
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest("#workspace .tab");
    if (tab) showTab(tab.dataset.tab);
  });
  // While typing, not on leaving the field (see renderChecklist).
  ["input", "change"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = event.target.closest && event.target.closest(".filing-form");
      if (form) {
        form.setAttribute("data-dirty", "1");
        renderChecklist(form);
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      var form = event.target.closest("form");
      if (form) { event.preventDefault(); form.requestSubmit(); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    document.body.addEventListener("htmx:afterSettle", function (event) {
      wire(document);
      var focus = event.target.querySelector && event.target.querySelector("[autofocus]");
      if (focus && event.target.closest && !event.target.closest("#call-watch")) focus.focus();
    });
  });
})();
