// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Live Markdown preview: the Preview button renders in place instead of reloading the page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-preview-url]");
    if (!button) return;
    var form = button.form;
    var box = document.getElementById("answer-preview");
    if (!form || !box || !window.fetch) return;
    event.preventDefault();
    var data = new FormData();
    data.append("body", form.elements["body"].value);
    data.append("csrf_token", form.elements["csrf_token"].value);
    fetch(button.getAttribute("data-preview-url"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        box.querySelector(".prose").innerHTML = html;  // already sanitised on the server
        box.hidden = false;
      })
      .catch(function () { form.requestSubmit ? form.requestSubmit(button) : form.submit(); });
  });
  // A print button where the page offers one (the certificate).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Move focus to the error summary so screen readers announce what went wrong.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
