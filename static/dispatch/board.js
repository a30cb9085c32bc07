/* The dispatch board (issue 17): HTML5 drag and drop of an order onto a
   technician's row (dispatch), onto a time of the row (dispatch and propose
   the slot) or from one row to another (reassign). A drop fills the board's
   dispatch form and submits it: the same POST, service and eligibility rules
   as the keyboard path (choose order and technician, press Dispatch). */
(function () {
  "use strict";
  // The day view opens at the current time (two hours before it), not at midnight.
  var scroller = document.querySelector(".board-scroll");
  var now = document.querySelector(".board-row.drop .slot.is-now");
  if (scroller && now) { scroller.scrollLeft = Math.max(0, now.offsetLeft - 4 * now.offsetWidth - 250); }

  var form = document.getElementById("dispatch-form");
  if (!form) { return; }
  var orderSelect = form.querySelector("[name=order]");
  var technicianSelect = form.querySelector("[name=technician]");
  var proposed = form.querySelector("[name=proposed_at]");
  var dragged = null;

  function clearOver() {
    document.querySelectorAll(".is-over").forEach(function (el) { el.classList.remove("is-over"); });
  }

  function ensureOption(select, value, text) {
    if (!select.querySelector('option[value="' + value + '"]')) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = text || value;
      select.appendChild(option);
    }
    select.value = value;
  }

  function submitDispatch(order, number, technician, at) {
    ensureOption(orderSelect, order, number);
    technicianSelect.value = technician;
    proposed.value = at || "";
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  document.querySelectorAll("[draggable=true][data-order]").forEach(function (el) {
    el.addEventListener("dragstart", function (event) {
      dragged = { order: el.dataset.order, number: el.dataset.number || el.dataset.order };
      event.dataTransfer.setData("text/plain", el.dataset.order);
      event.dataTransfer.effectAllowed = "move";
      el.classList.add("is-dragging");
      document.body.classList.add("is-dragging");
    });
    el.addEventListener("dragend", function () {
      el.classList.remove("is-dragging");
      document.body.classList.remove("is-dragging");
      clearOver();
    });
  });

  document.querySelectorAll(".board-row.drop").forEach(function (row) {
    row.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearOver();
      row.classList.add("is-over");
      var slot = event.target.closest && event.target.closest("[data-at]");
      if (slot) { slot.classList.add("is-over"); }
    });
    row.addEventListener("dragleave", function (event) {
      if (!row.contains(event.relatedTarget)) { row.classList.remove("is-over"); }
    });
    row.addEventListener("drop", function (event) {
      event.preventDefault();
      var order = event.dataTransfer.getData("text/plain") || (dragged && dragged.order);
      if (!order) { return; }
      var slot = event.target.closest && event.target.closest("[data-at]");
      var number = dragged ? dragged.number : order;
      dragged = null;
      clearOver();
      submitDispatch(order, number, row.dataset.technician, slot ? slot.dataset.at : "");
    });
  });

  // The keyboard path: "Select" puts the order into the form, then the technician is chosen.
  document.querySelectorAll("[data-select-order]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll(".order-card.is-selected").forEach(function (c) { c.classList.remove("is-selected"); });
      var card = button.closest(".order-card");
      if (card) { card.classList.add("is-selected"); }
      orderSelect.value = button.dataset.selectOrder;
      technicianSelect.focus();
    });
  });
})();
