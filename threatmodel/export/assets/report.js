/* threatmodel HTML report: filter, sort and expand the findings table. No network, no globals.
   Reads its data from the JSON script element #tm-data and never writes markup
   built from strings: only attributes, textContent and the order of existing nodes change. */
/* The diagram: zoom, pan and full screen (buttons, keyboard, drag), and the attack paths of a
   finding drawn on it (#path:<finding id>). Only viewBox and class attributes change. */
(function () {
  "use strict";
  var figure = document.getElementById("d-figure");
  var svg = figure ? figure.querySelector("svg") : null;
  var tools = document.getElementById("d-tools");
  if (!svg || !tools || !svg.viewBox || !svg.viewBox.baseVal || !svg.viewBox.baseVal.width) { return; }
  var base = svg.viewBox.baseVal;
  var home = { x: base.x, y: base.y, w: base.width, h: base.height };
  var view = { x: home.x, y: home.y, w: home.w, h: home.h };
  function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  function zoom(factor) {
    var w = Math.min(home.w * 4, Math.max(home.w / 12, view.w / factor));
    var h = view.h * (w / view.w);
    view.x += (view.w - w) / 2; view.y += (view.h - h) / 2; view.w = w; view.h = h;
    apply();
  }
  function pan(dx, dy) { view.x += dx * view.w; view.y += dy * view.h; apply(); }
  function fit() { view = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); }
  function full() {
    if (document.fullscreenElement) { document.exitFullscreen(); return; }
    if (figure.requestFullscreen) { figure.requestFullscreen(); }
  }
  tools.hidden = false;
  Array.prototype.forEach.call(tools.querySelectorAll("button[data-zoom]"), function (b) {
    b.addEventListener("click", function () {
      var z = b.getAttribute("data-zoom");
      if (z === "in") { zoom(1.5); } else if (z === "out") { zoom(1 / 1.5); } else if (z === "reset") { fit(); } else { full(); }
    });
  });
  figure.addEventListener("keydown", function (e) {
    var keys = { "+": function () { zoom(1.5); }, "=": function () { zoom(1.5); }, "-": function () { zoom(1 / 1.5); },
      "0": fit, "f": full, "ArrowLeft": function () { pan(-0.1, 0); }, "ArrowRight": function () { pan(0.1, 0); },
      "ArrowUp": function () { pan(0, -0.1); }, "ArrowDown": function () { pan(0, 0.1); } };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    if (svg.setPointerCapture) { svg.setPointerCapture(e.pointerId); }
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var scale = view.w / (svg.getBoundingClientRect().width || 1);
    view.x = drag.vx - (e.clientX - drag.x) * scale; view.y = drag.vy - (e.clientY - drag.y) * scale;
    apply();
  });
  svg.addEventListener("pointerup", function () { drag = null; });
  svg.addEventListener("wheel", function (e) {
    if (!e.ctrlKey && !document.fullscreenElement) { return; }
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2);
  }, { passive: false });

  var dataNode = document.getElementById("tm-data");
  var findings = dataNode ? JSON.parse(dataNode.textContent).findings : [];
  var clear = document.getElementById("d-clear");
  var note = document.getElementById("d-note");
  function mark(el) { if (el) { el.classList.add("tm-hl"); } return !!el; }
  function unmark() {
    svg.classList.remove("tm-dimmed");
    Array.prototype.forEach.call(svg.querySelectorAll(".tm-hl"), function (el) { el.classList.remove("tm-hl"); });
    clear.hidden = true; note.textContent = "";
  }
  function edgeBetween(a, b) {
    var found = null;
    Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (g) {
      var title = g.querySelector("title");
      if (title && title.textContent === a + "->" + b) { found = g; }
    });
    return found;
  }
  function show(id) {
    unmark();
    var f = null;
    findings.forEach(function (x) { if (x.id === id) { f = x; } });
    if (!f) { return; }
    var drawn = false;
    f.elements.forEach(function (el) {
      drawn = mark(document.getElementById("tm-node-" + el)) || mark(document.getElementById("tm-flow-" + el)) || drawn;
    });
    f.paths.forEach(function (path) {
      path.forEach(function (node, i) {
        drawn = mark(document.getElementById("tm-node-" + node)) || drawn;
        if (i > 0) { mark(edgeBetween(path[i - 1], node)); }
      });
    });
    svg.classList.add("tm-dimmed");
    clear.hidden = false;
    note.textContent = drawn
      ? (f.paths.length ? "Showing " + f.paths.length + " untrusted path(s) of " + id : "Showing the target of " + id)
      : "This diagram is the boundary overview; draw the component with `threatmodel diagram --focus` to see " + id;
    figure.scrollIntoView({ block: "center" });
    figure.focus();
  }
  clear.addEventListener("click", function () { unmark(); if (location.hash.indexOf("#path:") === 0) { history.replaceState(null, "", "#system"); } });
  function fromHash() {
    if (location.hash.indexOf("#path:") === 0) { show(decodeURIComponent(location.hash.slice(6))); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();

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
        (!tgt || f.elements.indexOf(tgt) >= 0) &&
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
