// The signal's forms (templates/cases/_signal_fields.html, _signal_list_fields.html): an enhancement only; every
// form works without it. It filters the pupils and the signal list as you type (replacing the no-JavaScript
// search forms), and shows "from whom did you hear it" only for a story.
(function () {
  "use strict";

  function fold(text) {
    return text.toLocaleLowerCase("nl").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function pupilFilter(box) {
    var select = document.getElementById(box.getAttribute("data-filter-for"));
    var input = box.querySelector("input");
    if (!select || !input) return;
    box.hidden = false;
    var options = Array.prototype.slice.call(select.querySelectorAll("option")).filter(function (o) { return o.value; });
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = [];
      options.forEach(function (option) {
        var text = fold(option.textContent + " " + (option.parentNode.label || ""));
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match && !option.selected;
        if (match) shown.push(option);
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
      });
      if (shown.length === 1) shown[0].selected = true;
    });
  }

  function listFilter(box) {
    var list = document.querySelector("[data-signal-list]");
    var input = box.querySelector("input");
    var status = box.querySelector("[data-filter-status]");
    if (!list || !input) return;
    box.hidden = false;
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var found = 0;
      Array.prototype.forEach.call(list.querySelectorAll("[data-group]"), function (group) {
        var title = fold(group.querySelector("summary").textContent);
        var any = false;
        Array.prototype.forEach.call(group.querySelectorAll("[data-item]"), function (item) {
          var match = !words.length || words.every(function (w) { return (fold(item.textContent) + " " + title).indexOf(w) !== -1; });
          item.hidden = !match;
          if (match && words.length) { any = true; found += 1; }
        });
        group.hidden = words.length > 0 && !any;
        if (words.length) group.open = any;
      });
      if (status) status.textContent = words.length ? status.getAttribute("data-found-text") + " " + found : "";
    });
  }

  function sourceForKind(form) {
    var part = form.querySelector("[data-shown-for-kind]");
    if (!part) return;
    var kind = part.getAttribute("data-shown-for-kind");
    var radios = form.querySelectorAll("input[name=kind]");
    function update() {
      var chosen = form.querySelector("input[name=kind]:checked");
      var hasError = part.querySelector(".field-error");
      part.hidden = !hasError && !(chosen && chosen.value === kind);
    }
    Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".no-js-only"), function (el) { el.hidden = true; });
    Array.prototype.forEach.call(document.querySelectorAll(".pupil-filter"), pupilFilter);
    Array.prototype.forEach.call(document.querySelectorAll(".signal-list-filter"), listFilter);
    Array.prototype.forEach.call(document.querySelectorAll("form.signal-form"), sourceForKind);
  });
})();
