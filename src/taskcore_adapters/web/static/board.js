// Drag-and-drop on the project board, the main way to move a card. Progressive: without
// it, every card's menu ("Move to ...", "Move up", "Move down") does the same with plain
// forms. Dropping a card posts the column and the card it now goes before to the card's
// move address, so the server does the move exactly as for the menu.
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
    var menu = dragged.querySelector("form.move");
    if (!menu) { return; }
    var next = cardAfter(column.querySelector(".cards-list"), event.clientY);
    var form = document.createElement("form");
    form.method = "post";
    form.action = menu.action;
    form.hidden = true;
    var fields = {
      status: column.dataset.status,
      before: next ? next.dataset.taskId : ""
    };
    var token = menu.querySelector("input[type='hidden']");
    fields[token.name] = token.value;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  });
}());
