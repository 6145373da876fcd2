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
    var text = el.value !== undefined ? el.value : el.textContent;
    var done = function () {
      var old = btn.getAttribute("data-label") || btn.textContent;
      btn.setAttribute("data-label", old);
      btn.textContent = btn.getAttribute("data-copied") || "Copied";
      setTimeout(function () { btn.textContent = old; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      el.select && el.select();
      document.execCommand("copy");
      done();
    }
  });

  // Confirmation before a destructive submit: <form data-confirm="...">.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
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
})();
