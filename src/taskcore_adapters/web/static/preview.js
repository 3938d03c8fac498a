// Markdown preview on the task page. Progressive: without it, the "Preview" button submits
// the form to the preview address, which shows the page again with the text as typed and
// its preview. With it, the same address answers just the rendered text (sanitised on the
// server) and it is shown under the field, without leaving the page.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-preview-source]");
    if (!button || !button.form) { return; }
    event.preventDefault();
    var box = document.getElementById(button.dataset.previewSource + "-preview");
    var data = new FormData(button.form);
    data.set(button.name, button.value);
    var body = new URLSearchParams();
    data.forEach(function (value, key) { if (typeof value === "string") { body.append(key, value); } });
    window.fetch(button.formAction, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Preview": "fragment", "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || !box) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").body;
        box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
        box.hidden = false;
      })
      .catch(function () { /* the preview stays as it was */ });
  });
}());
