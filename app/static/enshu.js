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
  // A link to a section (the exercise page's menu) opens what is folded in it: the brief, the rubric.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    var section = target && target.closest("section");
    var fold = section && section.querySelector("details.fold");
    if (fold) fold.open = true;
  });
  // Comment and message boxes grow with what is typed, where the browser does not size them itself.
  if (!(window.CSS && CSS.supports("field-sizing", "content"))) {
    document.querySelectorAll("textarea.textarea--grow").forEach(function (box) {
      var grow = function () { box.style.height = "auto"; box.style.height = box.scrollHeight + 2 + "px"; };
      box.addEventListener("input", grow);
      grow();
    });
  }
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
  // Drafts: a form with data-draft-url is saved a few seconds after the last change, and at once when the
  // page is left or the answers are checked. Without this script its 「下書き保存」 button does the same.
  var DRAFT_DELAY_MS = 3000;
  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft-url]"), function (form) {
    if (!window.fetch || !window.FormData) return;
    var note = form.querySelector("[data-draft-note]");
    var timer = null, finished = false;
    function fields() {  // the typed fields; files go only with the real submit
      var data = new FormData();
      new FormData(form).forEach(function (value, name) { if (typeof value === "string") data.append(name, value); });
      return data;
    }
    function fingerprint(data) {
      var parts = [];
      data.forEach(function (value, name) { if (name !== "csrf_token") parts.push(name + "=" + value); });
      return parts.join("&");
    }
    var saved = fingerprint(fields());  // what the page opened with is already stored
    function show(text, failed) {
      if (!note) return;
      note.textContent = text;
      note.classList.toggle("draft-note--failed", failed);
    }
    function save(leaving) {
      clearTimeout(timer);
      timer = null;
      var data = fields(), sending = fingerprint(data);
      if (finished || sending === saved) return;
      fetch(form.getAttribute("data-draft-url"), {
        method: "POST", body: data, credentials: "same-origin", keepalive: leaving,
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw body.error;
          saved = sending;
          show(body.note, false);
        });
      }).catch(function (reason) {
        show(typeof reason === "string" ? reason : note && note.getAttribute("data-failed"), true);
      });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(save, DRAFT_DELAY_MS);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      // Submitting or deciding ends the draft on the server, and 「下書き保存」 saves it there: nothing to send.
      if (button && /^(submit|accept|return_for_revision|save_draft)$/.test(button.name)) {
        finished = true;
        clearTimeout(timer);
      } else {
        save(true);
      }
    });
    window.addEventListener("pagehide", function () { if (timer) save(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && timer) save(true);
    });
  });
  // Review page (issue 13): selecting a passage of the answer fills the comment form with the quote and the
  // paragraph it starts in (counted as the server counts the answer's top-level blocks; a block with notes
  // sits in a div.passage-block). Without this script the mentor copies the passage into the form.
  Array.prototype.forEach.call(document.querySelectorAll("[data-comment-form]"), function (answer) {
    var form = document.getElementById(answer.getAttribute("data-comment-form"));
    if (!form || !window.getSelection) return;
    function blockIndex(node) {
      var index = 0, children = answer.children;
      for (var i = 0; i < children.length; i++) {
        var child = children[i];
        var block = child.classList.contains("passage-block") ? child.firstElementChild : child;
        if (child.contains(node)) return index;
        if (block) index += 1;
      }
      return null;
    }
    answer.addEventListener("mouseup", take);
    answer.addEventListener("keyup", take);
    function take() {
      var selection = window.getSelection();
      var text = selection ? selection.toString().trim() : "";
      if (!text || !answer.contains(selection.anchorNode)) return;
      var start = selection.anchorNode;
      if (selection.rangeCount && selection.getRangeAt(0).startContainer) start = selection.getRangeAt(0).startContainer;
      var index = blockIndex(start);
      form.elements["quote"].value = text;
      form.elements["paragraph"].value = index === null ? "" : String(index);
    }
  });
  // Review page (issue 13): the comment bank as buttons that add a comment to the end of the feedback.
  Array.prototype.forEach.call(document.querySelectorAll(".bank-insert"), function (bank) {
    var buttons = bank.querySelector("[data-bank-buttons]");
    var select = bank.querySelector("[data-bank-select]");
    var form = bank.closest("form"), feedback = form && form.elements["feedback"];
    if (!buttons || !select || !feedback) return;
    select.hidden = true;
    buttons.hidden = false;
    buttons.addEventListener("click", function (event) {
      var button = event.target.closest("[data-bank-text]");
      if (!button) return;
      var current = feedback.value.replace(/\s+$/, "");
      feedback.value = (current ? current + "\n\n" : "") + button.getAttribute("data-bank-text");
      feedback.dispatchEvent(new Event("input", { bubbles: true }));
      feedback.focus();
    });
  });
  // Move focus to the error summary so screen readers announce what went wrong.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
