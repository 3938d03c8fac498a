// Drag-and-drop on the project board. Progressive: without it, every card's "Move"
// form does the same. Dropping a card fills in its form (column and the card it goes
// before) and submits it, so the server does the move exactly as for the plain form.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var dragged = null;

  function cardAfter(list, y) {
    var cards = Array.prototype.slice.call(list.querySelectorAll(".task-card:not(.dragging)"));
    for (var i = 0; i < cards.length; i++) {
      var box = cards[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) { return cards[i]; }
    }
    return null;
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".task-card[draggable='true']");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.taskId);
  });

  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    Array.prototype.forEach.call(board.querySelectorAll(".drop-target"), function (el) {
      el.classList.remove("drop-target");
    });
  });

  board.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (!dragged || !column) { return; }
    event.preventDefault();
    column.classList.add("drop-target");
  });

  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
  });

  board.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (!dragged || !column) { return; }
    event.preventDefault();
    var form = dragged.querySelector("form.move");
    if (!form) { return; }
    var next = cardAfter(column.querySelector(".cards-list"), event.clientY);
    form.elements.status.value = column.dataset.status;
    form.elements.before.value = next ? next.dataset.taskId : "";
    form.submit();
  });
}());
