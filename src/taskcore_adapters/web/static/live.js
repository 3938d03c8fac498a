// Live board: follows the project's event stream (Server-Sent Events, same origin, the
// session cookie) and, when a card is added, edited, moved or deleted by anyone, fetches
// the board again and swaps its columns in place, without reloading the page. The
// browser reconnects by itself and resumes after the last event it received. Without
// EventSource or fetch the board simply stays as rendered.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var url = window.location.pathname.replace(/\/+$/, "") + "/live";
  var source = new EventSource(url);
  var timer = null;
  var fetching = false;
  var again = false;
  var first = true;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
    if (!fresh) { return; }
    // Never pull a card from under the pointer: try again once the drag is over.
    if (board.querySelector(".dragging")) { schedule(); return; }
    var active = document.activeElement;
    var focused = active && active.id;
    var focusedCard = !focused && active && active.closest && active.closest(".task-card");
    var focusedTitle = focusedCard && active.classList.contains("task-title") ? focusedCard.id : null;
    // What the person is doing survives the swap: text typed in a quick-add field, and
    // the card menus they opened.
    var typed = {};
    Array.prototype.forEach.call(board.querySelectorAll(".quick-add input[id]"), function (input) {
      if (input.value) { typed[input.id] = input.value; }
    });
    var open = Array.prototype.map.call(board.querySelectorAll(".task-card details[open]"), function (menu) {
      return menu.closest(".task-card").id;
    });
    board.innerHTML = fresh.innerHTML;
    Object.keys(typed).forEach(function (id) {
      var input = document.getElementById(id);
      if (input) { input.value = typed[id]; }
    });
    open.forEach(function (id) {
      var menu = document.getElementById(id) && document.getElementById(id).querySelector("details");
      if (menu) { menu.open = true; }
    });
    if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
    var card = focusedTitle && document.getElementById(focusedTitle);
    if (card && card.querySelector(".task-title")) { card.querySelector(".task-title").focus(); }
    board.dispatchEvent(new CustomEvent("board:updated"));
  }

  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    window.fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { swap(html); } })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  function schedule() {
    // Several events of one change (edited and moved) make one refresh.
    if (timer) { return; }
    timer = window.setTimeout(function () { timer = null; refresh(); }, 100);
  }

  var changes = [
    "task.created", "task.updated", "task.status_changed", "task.assigned", "task.deleted",
    "reset"
  ];
  changes.forEach(function (name) { source.addEventListener(name, schedule); });
  source.addEventListener("ready", function () {
    // Whatever changed between rendering the page and the first connection.
    if (first) { first = false; schedule(); }
  });
  source.addEventListener("closed", function (event) {
    var reason = "";
    try { reason = JSON.parse(event.data).reason; } catch (e) { reason = ""; }
    if (reason === "access") { source.close(); }
  });
}());
