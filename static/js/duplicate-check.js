/* "Gibt es schon?" while the title is typed: progressive enhancement only.
 * An <input data-duplicate-url="…"> asks the search type-ahead (GET …?q=title →
 * {"results": [{"title", "url", "municipality"}]}) and lists similar published cases in the live
 * region named by its aria-controls, each with the way to say "Wir nutzen das auch" instead.
 * Without JavaScript the server shows the same check after the step is saved and before submitting. */
(function () {
  "use strict";

  function attach(input) {
    var region = document.getElementById(input.getAttribute("aria-controls"));
    var timer = null;
    var lastQuery = "";
    if (!region) {
      return;
    }

    function show(results) {
      while (region.firstChild) {
        region.removeChild(region.firstChild);
      }
      if (!results.length) {
        return;
      }
      var intro = document.createElement("p");
      intro.className = "kern-body kern-body--small";
      intro.textContent = region.getAttribute("data-label");
      region.appendChild(intro);
      var list = document.createElement("ul");
      list.className = "kern-list";
      results.slice(0, 3).forEach(function (item) {
        var entry = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title + " (" + item.municipality + ")";
        var adopt = document.createElement("a");
        adopt.href = item.url + "#nachnutzung-erklaeren";
        adopt.textContent = region.getAttribute("data-adopt");
        entry.appendChild(link);
        entry.appendChild(document.createTextNode(" – "));
        entry.appendChild(adopt);
        list.appendChild(entry);
      });
      region.appendChild(list);
    }

    function check() {
      var query = input.value.trim();
      if (query.length < 4 || query === lastQuery) {
        return;
      }
      lastQuery = query;
      var url = input.getAttribute("data-duplicate-url") + "?q=" + encodeURIComponent(query);
      window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (input.value.trim() === query) {
            show(data.results || []);
          }
        })
        .catch(function () { /* the server checks again after saving */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 400);
    });
  }

  document.querySelectorAll("input[data-duplicate-url]").forEach(attach);
}());
