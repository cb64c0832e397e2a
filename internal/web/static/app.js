// Sanbao: small enhancements. Every page works without them.
"use strict";
// Ask before a destructive action: <form data-confirm="确定停用该账号？">.
document.addEventListener("submit", function (e) {
  var f = e.target, msg = f.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
  // One submission per tap on a slow connection.
  var b = f.querySelector("button[type=submit], button:not([type])");
  if (b) { setTimeout(function () { b.disabled = true; }, 0); }
});
// Filters apply as soon as a choice changes: <form data-autosubmit>.
document.addEventListener("change", function (e) {
  var f = e.target.form;
  if (f && f.hasAttribute("data-autosubmit") && e.target.tagName === "SELECT") { f.submit(); }
});
// Print a page: <button type="button" data-print>.
document.addEventListener("click", function (e) {
  if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
});
// A page showing work in progress reloads itself: <div data-refresh="2">.
(function () {
  var el = document.querySelector("[data-refresh]");
  if (el) { setTimeout(function () { window.location.reload(); }, 1000 * (Number(el.getAttribute("data-refresh")) || 2)); }
})();
