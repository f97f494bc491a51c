/* A search box for long multiple selects (the sub-criterion picker: about 100 options).
   Vendored here, no library: for every <select multiple data-filter="placeholder">, an input
   above it hides the options whose text (accents ignored) does not contain what is typed, and a
   line below counts the chosen ones. Selected options stay selected while hidden. */
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  function enhance(select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1";
    input.placeholder = select.getAttribute("data-filter") || "";
    input.setAttribute("aria-label", input.placeholder);
    input.setAttribute("aria-controls", select.id);
    input.id = select.id + "_filter";
    var count = document.createElement("div");
    count.className = "form-text";
    count.id = select.id + "_count";
    count.setAttribute("aria-live", "polite");
    var template = select.getAttribute("data-count") || "%s";
    function update() {
      var chosen = Array.prototype.filter.call(select.options, function (o) { return o.selected; }).length;
      count.textContent = template.replace("%s", chosen);
    }
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = wanted !== "" && fold(option.text).indexOf(wanted) === -1;
      });
    });
    select.addEventListener("change", update);
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(count, select.nextSibling);
    update();
  }
  document.querySelectorAll("select[multiple][data-filter]").forEach(enhance);
})();
