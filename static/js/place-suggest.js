/* Type-ahead for municipality fields: progressive enhancement only.
 * Every <input data-suggest-url="…"> gets a <datalist> filled from the JSON endpoint
 * (GET …?q=Leip → {"results": [{"value": "Leipzig (14713000)", "label": "Leipzig – Sachsen"}]}).
 * Without JavaScript the field stays a plain text field that the server resolves. */
(function () {
  "use strict";

  function attach(input) {
    var list = document.createElement("datalist");
    var timer = null;
    var lastQuery = "";
    list.id = input.id + "-suggestions";
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);

    function fill(results) {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      results.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.value;
        option.label = item.label;
        option.textContent = item.label;
        list.appendChild(option);
      });
    }

    function load() {
      var query = input.value.trim();
      if (query.length < 2 || query === lastQuery || /\(\d{5}(\d{3})?\)$/.test(query)) {
        return;
      }
      lastQuery = query;
      var url = input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(query);
      window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (input.value.trim() === query) {
            fill(data.results || []);
          }
        })
        .catch(function () { /* the plain field still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 150);
    });
  }

  function init() {
    if (!window.fetch) {
      return;
    }
    var inputs = document.querySelectorAll("input[data-suggest-url]");
    Array.prototype.forEach.call(inputs, attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
