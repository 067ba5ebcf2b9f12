(function () {
  "use strict";
  var root = document.documentElement;
  root.setAttribute("data-js", "on");
  cjkNote();
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

  // A visible note when the page quotes CJK text and no installed font has glyphs for it: the probe
  // characters drawn on a canvas come out pixel for pixel like a code point no font has (the
  // missing-glyph box).  Sets data-cjk on <html>: none (no CJK text), ok, missing or unknown.
  function cjkNote() {
    var note = document.getElementById("cjk-note");
    if (!note) { return; }
    if (!/[\u3400-\u9fff\uf900-\ufaff]/.test((document.querySelector("main") || document.body).textContent.replace(note.textContent, ""))) {
      root.setAttribute("data-cjk", "none");
      return;
    }
    var state = "unknown";
    try {
      var canvas = document.createElement("canvas");
      canvas.width = 48; canvas.height = 48;
      var ctx = canvas.getContext("2d");
      var font = "36px " + getComputedStyle(document.body).fontFamily;
      var draw = function (text) {
        ctx.clearRect(0, 0, 48, 48);
        ctx.font = font;
        ctx.textBaseline = "top";
        ctx.fillStyle = "#000";
        ctx.fillText(text, 4, 4);
        return Array.prototype.join.call(ctx.getImageData(0, 0, 48, 48).data, "");
      };
      var missing = draw("\udb7f\udffd");  // U+EFFFD, an unassigned code point: the missing-glyph box
      var chars = Array.from(note.getAttribute("data-probe") || "");
      state = chars.length && chars.every(function (ch) { return draw(ch) === missing; }) ? "missing" : "ok";
    } catch (e) {
      state = "unknown";
    }
    root.setAttribute("data-cjk", state);
    note.hidden = state !== "missing";
  }
})();
