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
  // The phone menu button is a checkbox (it works without this file); say whether the menu is open.
  var toggle = document.getElementById("site-menu-toggle");
  if (toggle) {
    var sync = function () { toggle.setAttribute("aria-expanded", toggle.checked ? "true" : "false"); };
    sync();
    toggle.addEventListener("change", sync);
  }
  // A header drop-down closes on Escape (focus back to its summary) and when clicking elsewhere.
  var groups = document.querySelectorAll(".menu-group");
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    groups.forEach(function (group) {
      if (group.open) { group.open = false; group.querySelector("summary").focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    groups.forEach(function (group) { if (group.open && !group.contains(event.target)) group.open = false; });
  });
  // Move focus to the error summary so screen readers announce what went wrong.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
