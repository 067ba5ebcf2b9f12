(function () {
  "use strict";
  var root = document.documentElement;
  root.setAttribute("data-js", "on");
  var panel = document.getElementById("filters");
  if (!panel) { return; }
  var cat = document.getElementById("f-category"), kind = document.getElementById("f-kind"),
      conf = document.getElementById("f-confidence"), flags = document.getElementById("f-flags"),
      count = document.getElementById("f-count");
  var items = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("#findings section.source"));
  function apply() {
    var c = cat.value, k = kind.value, min = parseFloat(conf.value) || 0, onlyFlags = flags.checked, shown = 0;
    items.forEach(function (el) {
      var ok = (!c || (" " + el.getAttribute("data-categories") + " ").indexOf(" " + c + " ") >= 0) &&
        (!k || el.getAttribute("data-kind") === k) &&
        parseFloat(el.getAttribute("data-confidence")) >= min &&
        (!onlyFlags || el.getAttribute("data-flag") === "1");
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector("article.finding:not([hidden])"); });
    count.textContent = shown + " of " + items.length + " findings shown";
  }
  [cat, kind, conf, flags].forEach(function (el) { el.addEventListener("change", apply); });
  panel.hidden = false;
  apply();
})();
