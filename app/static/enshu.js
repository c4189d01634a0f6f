// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Live Markdown preview: the Preview button renders in place instead of reloading the page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-preview-url]");
    if (!button) return;
    var form = button.form;
    // The learner's answer by default; the review page names its feedback field and preview box.
    var source = form && form.elements[button.getAttribute("data-preview-source") || "body"];
    var box = document.getElementById(button.getAttribute("data-preview-box") || "answer-preview");
    if (!form || !source || !box || !window.fetch) return;
    event.preventDefault();
    var data = new FormData();
    data.append("body", source.value);
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
  // Review page: the running total of the chosen rubric levels against the pass mark.
  var scoring = document.querySelector("form.scoring[data-pass-mark]");
  if (scoring) {
    var output = scoring.querySelector(".running-total__points");
    var verdict = scoring.querySelector(".running-total__verdict");
    var updateTotal = function () {
      var total = 0, chosen = 0, groups = scoring.querySelectorAll("fieldset.criterion");
      groups.forEach(function (group) {
        var checked = group.querySelector("input[type=radio]:checked");
        if (checked) { total += parseInt(checked.value, 10) || 0; chosen += 1; }
      });
      output.textContent = output.getAttribute("data-template")
        .replace("{points}", total).replace("{max}", scoring.getAttribute("data-max"));
      // The verdict only once every criterion has a level: a half-scored rubric is not "below".
      verdict.textContent = chosen < groups.length ? "" : "— " + verdict.getAttribute(
        total >= parseInt(scoring.getAttribute("data-pass-mark"), 10) ? "data-reached" : "data-below");
    };
    scoring.addEventListener("change", updateTotal);
    updateTotal();
  }
  // Review page: J and K follow the queue's next and previous links, except while typing.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var link = document.querySelector('a[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (link) { event.preventDefault(); link.click(); }
  });
  // Move focus to the error summary so screen readers announce what went wrong.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
