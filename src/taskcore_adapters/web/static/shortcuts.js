// Keyboard shortcuts, on top of pages that work without them: "/" search, "n" new task
// (the board's first quick-add field), "j" / "k" next / previous card or row, "o" open
// it, "?" this list (a <dialog>; Escape closes it). Keys typed into a field, or with
// Ctrl, Alt or Meta, are left alone.
(function () {
  "use strict";
  var help = document.getElementById("shortcuts");

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function items() {
    return Array.prototype.slice.call(
      document.querySelectorAll(".task-card .task-title, .task-table th[scope='row'] a, ul.tasklist li > a")
    );
  }

  function step(by) {
    var list = items();
    if (!list.length) { return; }
    var at = list.indexOf(document.activeElement);
    var next = at < 0 ? (by > 0 ? 0 : list.length - 1) : Math.min(Math.max(at + by, 0), list.length - 1);
    list[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    if (help && help.open) { return; }
    var key = event.key;
    if (key === "/") {
      var search = document.getElementById("top-q");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (key === "n") {
      var quick = document.querySelector(".quick-add input[name='title']");
      if (quick) { event.preventDefault(); quick.focus(); }
    } else if (key === "j" || key === "k") {
      event.preventDefault();
      step(key === "j" ? 1 : -1);
    } else if (key === "o") {
      var current = items().indexOf(document.activeElement) >= 0 ? document.activeElement : null;
      if (current) { event.preventDefault(); current.click(); }
    } else if (key === "?" && help && help.showModal) {
      event.preventDefault();
      help.showModal();
    }
  });

  if (help) {
    help.addEventListener("click", function (event) {
      if (event.target.closest("button[data-close]") || event.target === help) { help.close(); }
    });
  }
}());
