// profilewatch desk: keyboard navigation on the findings list. No network use, no eval, no HTML
// built from strings: it only moves a highlight, toggles checkboxes and follows same-origin links.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
  var at = -1;
  function focus(i) {
    if (!rows.length) { return; }
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("current", j === at); });
    rows[at].scrollIntoView({block: "nearest"});
  }
  function open(row) {
    var link = row && row.querySelector("a.open");
    if (link) { window.location.assign(link.getAttribute("href")); }
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "j") { focus(at + 1); e.preventDefault(); }
    else if (e.key === "k") { focus(at - 1); e.preventDefault(); }
    else if ((e.key === "o" || e.key === "Enter") && at >= 0) { open(rows[at]); e.preventDefault(); }
    else if (e.key === "x" && at >= 0) {
      var box = rows[at].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
      e.preventDefault();
    } else if (e.key === "/") {
      var q = document.getElementById("q");
      if (q) { q.focus(); e.preventDefault(); }
    }
  });
  rows.forEach(function (r, j) {
    r.addEventListener("click", function (e) {
      if (e.target.tagName !== "INPUT" && e.target.tagName !== "A") { focus(j); }
    });
  });
  document.documentElement.setAttribute("data-desk-js", "ready");
}());
