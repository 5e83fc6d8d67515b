/* The body map of a signal (cases/bodymap.py, templates/cases/_bodymap_widget.html): progressive enhancement of the
   rows of marks, which work without this script. Click, tap, or Enter/Space on a region of the outline fills the
   next free row with that place and moves to "what you saw"; a marked region shows its row's number. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function setup(root) {
    var picture = root.querySelector("[data-bodymap-picture]");
    var rows = Array.prototype.slice.call(root.querySelectorAll("[data-bodymap-row]"));
    var status = root.querySelector("[data-bodymap-status]");
    var more = root.querySelector("[data-bodymap-more]");
    var regions = Array.prototype.slice.call(root.querySelectorAll("[data-region]"));
    if (!picture || !rows.length) return;
    picture.hidden = false;
    if (more) more.hidden = false;

    function field(row, name) { return row.querySelector('[data-field="' + name + '"]'); }
    function isBlank(row) {
      return ["region", "kind", "size", "colour", "note"].every(function (n) { return !field(row, n).value.trim(); });
    }
    function freeRow() {
      for (var i = 0; i < rows.length; i++) { if (rows[i].hidden && isBlank(rows[i])) return rows[i]; }
      for (var j = 0; j < rows.length; j++) { if (isBlank(rows[j])) return rows[j]; }
      return null;
    }
    function say(text) { if (status) { status.textContent = ""; status.textContent = text; } }

    function refresh() {
      var marked = {};
      root.querySelectorAll(".bodymap-pin").forEach(function (p) { p.remove(); });
      rows.forEach(function (row, i) {
        var code = field(row, "region").value;
        if (code) { (marked[code] = marked[code] || []).push(i + 1); }
      });
      regions.forEach(function (path) {
        var numbers = marked[path.getAttribute("data-region")] || [];
        path.classList.toggle("is-marked", numbers.length > 0);
        path.setAttribute("aria-pressed", numbers.length ? "true" : "false");
        if (!numbers.length) return;
        var box = path.getBBox();
        numbers.forEach(function (n, k) {
          var g = document.createElementNS(SVG, "g");
          g.setAttribute("class", "bodymap-pin");
          g.setAttribute("aria-hidden", "true");
          var x = box.x + box.width / 2 + 9 * k - 4 * (numbers.length - 1), y = box.y + box.height / 2;
          var c = document.createElementNS(SVG, "circle");
          c.setAttribute("cx", x); c.setAttribute("cy", y); c.setAttribute("r", "6.5");
          c.setAttribute("fill", "#fff"); c.setAttribute("stroke", "#1b1f24"); c.setAttribute("stroke-width", "1.5");
          var t = document.createElementNS(SVG, "text");
          t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("dy", "3.2");
          t.setAttribute("text-anchor", "middle"); t.setAttribute("font-size", "9"); t.setAttribute("font-weight", "700");
          t.textContent = String(n);
          g.appendChild(c); g.appendChild(t);
          path.parentNode.appendChild(g);
        });
      });
      if (more) more.hidden = !rows.some(function (r) { return r.hidden; });
    }

    function mark(path) {
      var row = freeRow();
      if (!row) { say(root.getAttribute("data-full") || ""); return; }
      field(row, "region").value = path.getAttribute("data-region");
      row.hidden = false;
      refresh();
      var legend = row.querySelector("legend");
      say((legend ? legend.textContent + ": " : "") + path.getAttribute("aria-label"));
      field(row, "kind").focus();
    }

    // Rows that hold nothing are folded away: the picture (or the button) opens them.
    rows.forEach(function (row) {
      if (isBlank(row)) row.hidden = true;
      var clear = row.querySelector("[data-bodymap-clear]");
      if (clear) {
        clear.hidden = false;
        clear.addEventListener("click", function () {
          ["region", "kind", "size", "colour", "note"].forEach(function (n) { field(row, n).value = ""; });
          row.hidden = true;
          refresh();
          var first = regions[0];
          if (first) first.focus();
        });
      }
      field(row, "region").addEventListener("change", refresh);
    });
    regions.forEach(function (path) {
      path.addEventListener("click", function () { mark(path); });
      path.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); mark(path); }
      });
    });
    var add = root.querySelector("[data-bodymap-add]");
    if (add) {
      add.addEventListener("click", function () {
        var row = freeRow();
        if (!row) return;
        row.hidden = false;
        refresh();
        field(row, "region").focus();
      });
    }
    refresh();
  }

  function init() { document.querySelectorAll("[data-bodymap]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
