// The console's few behaviours. Every page works without them; they only
// spare a click. No inline script exists anywhere: the Content-Security-Policy
// forbids it, so everything is wired here by data attributes.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#id">.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-copy]");
    if (!btn) return;
    var el = document.querySelector(btn.getAttribute("data-copy"));
    if (!el) return;
    // A select copies what it shows (the chosen option's text).
    var text = el.tagName === "SELECT" ? el.options[el.selectedIndex].text :
      el.value !== undefined ? el.value : el.textContent;
    // The button keeps its icon: only the text after it changes.
    var done = function () {
      var label = btn.querySelector("[data-copy-label]");
      if (!label) {
        label = document.createElement("span");
        label.setAttribute("data-copy-label", "");
        Array.prototype.slice.call(btn.childNodes).forEach(function (n) {
          if (n.nodeType === 3) { label.appendChild(n); }
        });
        btn.appendChild(label);
      }
      var old = btn.getAttribute("data-label") || label.textContent;
      btn.setAttribute("data-label", old);
      label.textContent = btn.getAttribute("data-copied") || "Copied";
      setTimeout(function () { label.textContent = old; }, 1500);
    };
    var fallback = function () {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      document.body.removeChild(area);
      btn.focus();
      done();
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  });

  // Confirmation before a destructive submit: <form data-confirm="..."> or
  // on the one button that needs it.
  document.addEventListener("submit", function (e) {
    var msg = (e.submitter && e.submitter.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  // A switch's visible Yes/No follows it: <label data-yes-no for="id">.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.type !== "checkbox" || !el.id) return;
    var text = document.querySelector('[data-yes-no][for="' + el.id + '"]');
    if (text) text.textContent = el.checked ? "Yes" : "No";
  });

  // "Select all": <input type="checkbox" data-check-all="form id"> ticks
  // every checkbox of that form, including those tied to it by form="".
  document.addEventListener("change", function (e) {
    var all = e.target.closest("[data-check-all]");
    if (!all) return;
    var form = document.getElementById(all.getAttribute("data-check-all"));
    if (!form) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "checkbox" && el !== all && !el.disabled) el.checked = all.checked;
    });
  });

  // A select that re-renders its form on change: <select data-autosubmit>.
  // The form also has a plain submit button for browsers without script.
  document.addEventListener("change", function (e) {
    var el = e.target.closest("[data-autosubmit]");
    if (!el || !el.form) return;
    var hint = document.createElement("input");
    hint.type = "hidden";
    hint.name = "_refresh";
    hint.value = "1";
    el.form.appendChild(hint);
    el.form.submit();
  });

  // After a refused form (422), each field in error is marked for screen
  // readers and the first one gets the focus, so a keyboard user lands on
  // what to fix; a message about the whole form is focused when no field is.
  document.addEventListener("DOMContentLoaded", function () {
    var first = null, n = 0;
    document.querySelectorAll("form .is-invalid, form .invalid-feedback").forEach(function (el) {
      var field = el;
      if (el.classList.contains("invalid-feedback")) {
        var row = el.closest(".col, .mb-3") || el.parentNode;
        field = row.querySelector("input:not([type=hidden]):not([disabled]), select, textarea");
        if (!field) return;
        if (!el.id) el.id = "field-error-" + (++n);
        var by = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (by.indexOf(el.id) < 0) by.push(el.id);
        field.setAttribute("aria-describedby", by.join(" "));
      }
      field.setAttribute("aria-invalid", "true");
      if (!first) first = field;
    });
    if (!first) {
      first = document.querySelector("form [role=alert]");
      if (first) first.setAttribute("tabindex", "-1");
    }
    if (first) first.focus();
  });
})();
