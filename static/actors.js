// The ticket page's actor search as a combobox: the matches are listed
// while one types, chosen with the arrow keys and Enter (or a click), and
// announced to screen readers. Without this script the form's Search
// button shows the page again with the same matches as a list of choices.
(function () {
  "use strict";

  function setup(form) {
    var input = form.querySelector("#actor-q");
    var role = form.querySelector("#actor-role");
    var addBtn = form.querySelector("#add-actor");
    if (!input || !role || !addBtn) return;
    var url = form.getAttribute("data-actor-picker");

    var list = document.createElement("ul");
    list.id = "actor-listbox";
    list.className = "list-group actor-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Matches");
    list.hidden = true;
    var status = document.createElement("div");
    status.id = "actor-status";
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    var chosen = document.createElement("input");
    chosen.type = "hidden";
    chosen.name = "actor";
    chosen.id = "actor-chosen";
    input.closest(".actor-search").appendChild(list);
    input.closest(".actor-search").appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    var options = [], active = -1, timer = null, asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      options.forEach(function (o, j) {
        o.el.classList.toggle("active", j === i);
        o.el.setAttribute("aria-selected", j === i ? "true" : "false");
      });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", options[i].el.id);
        options[i].el.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function choose(i) {
      var o = options[i];
      if (!o) return;
      chosen.value = o.value;
      if (!chosen.parentNode) form.appendChild(chosen);
      input.value = o.label;
      var old = form.querySelector("#actor-matches");
      if (old) old.remove();
      close();
      status.textContent = "Chosen: " + o.label + (o.detail ? " (" + o.detail + ")" : "") + ". Press Add.";
    }
    function show(matches) {
      list.textContent = "";
      options = matches.map(function (m, i) {
        var li = document.createElement("li");
        li.id = "actor-option-" + i;
        li.className = "list-group-item list-group-item-action text-break";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-value", m.value);
        li.textContent = m.label;
        if (m.detail) {
          var d = document.createElement("span");
          d.className = "text-secondary small ms-1";
          d.textContent = m.detail;
          li.appendChild(d);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); input.focus(); });
        list.appendChild(li);
        return { el: li, value: m.value, label: m.label, detail: m.detail || "" };
      });
      list.hidden = options.length === 0;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
      active = -1;
      status.textContent = options.length === 0 ? "No user or group matches." :
        options.length === 1 ? "1 match: use the arrow keys to choose it." :
        options.length + " matches: use the arrow keys to choose one.";
    }
    function search() {
      var n = ++asked;
      var q = new URLSearchParams({ role: role.value, q: input.value });
      fetch(url + "?" + q.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { matches: [] }; })
        .then(function (data) { if (n === asked) show(data.matches || []); })
        .catch(function () { /* the Search button still works */ });
    }
    function later() {
      chosen.value = "";
      if (chosen.parentNode) chosen.remove();
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    }

    input.addEventListener("input", later);
    role.addEventListener("change", function () { if (input.value || !list.hidden) later(); });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    // A browser whose keydown did not stop the keypress would submit the
    // form's first button (Search) on Enter: keydown handled it already.
    input.addEventListener("keypress", function (e) {
      if (e.key === "Enter") e.preventDefault();
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && options.length > 0;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!open) { search(); return; }
        highlight(Math.min(active + 1, options.length - 1));
      } else if (e.key === "ArrowUp") {
        if (!open) return;
        e.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (e.key === "Enter") {
        // Enter chooses the highlighted match, adds the chosen one, or
        // lists the matches; it never submits the search (see keypress).
        e.preventDefault();
        if (open && active >= 0) {
          choose(active);
        } else if (chosen.value) {
          form.requestSubmit(addBtn);
        } else {
          clearTimeout(timer);
          search();
        }
      } else if (e.key === "Escape" && open) {
        e.preventDefault();
        close();
      }
    });
  }

  document.querySelectorAll("form[data-actor-picker]").forEach(setup);
})();
