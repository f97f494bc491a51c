/* Small behaviours without inline script, so the Content-Security-Policy can forbid it. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-select-on-click], [data-copy-target]") : null;
    if (!el) return;
    if (el.hasAttribute("data-select-on-click")) {
      el.select();
    }
    var target = el.getAttribute("data-copy-target");
    if (target && navigator.clipboard) {
      var source = document.querySelector(target);
      if (source) navigator.clipboard.writeText(source.value || source.textContent);
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
