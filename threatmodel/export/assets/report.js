/* threatmodel HTML report: filter, sort and expand the findings table. No network, no globals.
   Reads its data from the JSON script element #tm-data and never writes markup
   built from strings: only attributes, textContent and the order of existing nodes change. */
(function () {
  "use strict";
  var dataNode = document.getElementById("tm-data");
  var table = document.getElementById("findings-table");
  if (!dataNode || !table) {
    document.body.setAttribute("data-ready", "1");
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var findings = data.findings;
  var bodies = {};
  Array.prototype.forEach.call(table.tBodies, function (tb) {
    bodies[tb.getAttribute("data-index")] = tb;
  });

  function byId(id) { return document.getElementById(id); }
  var controls = {
    search: byId("f-search"),
    severity: byId("f-severity"),
    status: byId("f-status"),
    catalog: byId("f-catalog"),
    target: byId("f-target")
  };
  var showing = byId("f-showing");

  function setExpanded(tb, open) {
    var detail = tb.querySelector("tr.detail");
    var button = tb.querySelector("button.toggle");
    if (detail) { detail.hidden = !open; }
    if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
  }

  function applyFilters() {
    var text = (controls.search.value || "").trim().toLowerCase();
    var words = text ? text.split(/\s+/) : [];
    var sev = controls.severity.value;
    var st = controls.status.value;
    var cat = controls.catalog.value;
    var tgt = controls.target.value;
    var shown = 0;
    findings.forEach(function (f, i) {
      var ok = (!sev || f.severity === sev) &&
        (!st || (st === "@open" ? f.open : f.status === st)) &&
        (!cat || f.catalogs.indexOf(cat) >= 0) &&
        (!tgt || f.target === tgt) &&
        words.every(function (w) { return f.text.indexOf(w) >= 0; });
      bodies[String(i)].hidden = !ok;
      if (ok) { shown += 1; }
    });
    showing.textContent = "Showing " + shown + " of " + findings.length + " findings";
  }

  var sortState = { key: null, dir: 1 };
  function sortBy(key, th) {
    if (sortState.key === key) { sortState.dir = -sortState.dir; } else { sortState.key = key; sortState.dir = key === "title" || key === "target" || key === "id" ? 1 : -1; }
    var order = findings.map(function (f, i) { return i; });
    order.sort(function (a, b) {
      var x = findings[a].sort[key], y = findings[b].sort[key];
      var c = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
      if (c === 0) { c = findings[a].order - findings[b].order; return c; }
      return c * sortState.dir;
    });
    order.forEach(function (i) { table.appendChild(bodies[String(i)]); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", sortState.dir === 1 ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(table.tBodies, function (tb) {
    var button = tb.querySelector("button.toggle");
    setExpanded(tb, false);
    if (button) {
      button.addEventListener("click", function () {
        setExpanded(tb, button.getAttribute("aria-expanded") !== "true");
      });
    }
  });
  Array.prototype.forEach.call(table.tHead.querySelectorAll("th[data-sort]"), function (th) {
    th.setAttribute("tabindex", "0");
    th.setAttribute("role", "button");
    th.setAttribute("title", "Sort by this column");
    th.addEventListener("click", function () { sortBy(th.getAttribute("data-sort"), th); });
    th.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        sortBy(th.getAttribute("data-sort"), th);
      }
    });
  });
  ["search", "severity", "status", "catalog", "target"].forEach(function (name) {
    controls[name].addEventListener(name === "search" ? "input" : "change", applyFilters);
  });
  byId("f-expand").addEventListener("click", function () {
    Array.prototype.forEach.call(table.tBodies, function (tb) { if (!tb.hidden) { setExpanded(tb, true); } });
  });
  byId("f-collapse").addEventListener("click", function () {
    Array.prototype.forEach.call(table.tBodies, function (tb) { setExpanded(tb, false); });
  });
  byId("f-reset").addEventListener("click", function () {
    controls.search.value = "";
    ["severity", "status", "catalog", "target"].forEach(function (name) { controls[name].value = ""; });
    applyFilters();
  });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(table.tBodies, function (tb) { setExpanded(tb, true); });
  });
  var filtersBox = byId("f-box");
  if (filtersBox) { filtersBox.hidden = false; }
  applyFilters();
  document.body.setAttribute("data-ready", "1");
})();
