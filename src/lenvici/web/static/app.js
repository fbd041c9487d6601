// lenvici pages: a little vanilla JavaScript. Nothing is sent anywhere but this server, nothing is stored.
(function () {
  "use strict";

  // Patient form: leave empty fields (and their unit selectors) out of the URL, so the shared link is short.
  var form = document.getElementById("patient-form");
  if (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name.slice(-5) === "_unit") { return; }
        if (el.value === "") {
          el.disabled = true;
          var unit = form.elements[el.name + "_unit"];
          if (unit) { unit.disabled = true; }
        }
      });
    });
  }
  var copy = document.getElementById("copy-link");
  if (copy) {
    copy.addEventListener("click", function () {
      if (navigator.clipboard) { navigator.clipboard.writeText(window.location.href); }
      copy.textContent = "Link copied";
    });
  }

  // Sortable tables: click a header to sort by that column (numbers numerically, blanks last).
  function cellValue(row, index, type) {
    var text = row.cells[index].textContent.trim();
    if (type === "number") {
      var n = parseFloat(text);
      return isNaN(n) ? null : n;
    }
    return text.toLowerCase() || null;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      th.addEventListener("click", function () {
        var ascending = !th.classList.contains("asc");
        Array.prototype.forEach.call(headers, function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(ascending ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, th.dataset.type), y = cellValue(b, index, th.dataset.type);
          if (x === null) { return y === null ? 0 : 1; }
          if (y === null) { return -1; }
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // Evidence filters: free text over the whole row, and the regimen class.
  var text = document.getElementById("filter-text");
  var cls = document.getElementById("filter-class");
  var table = document.getElementById("studies");
  function applyFilter() {
    var needle = text.value.trim().toLowerCase(), wanted = cls.value, shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var ok = (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0) &&
               (!wanted || row.dataset.class === wanted);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById("row-count").textContent = shown + " arms";
  }
  if (text && cls && table) {
    text.addEventListener("input", applyFilter);
    cls.addEventListener("change", applyFilter);
    applyFilter();
  }
}());
