/* Type-ahead for the search boxes: progressive enhancement only.
 * Every <input data-typeahead-url="…"> becomes an ARIA combobox with a listbox of suggestions
 * from the JSON endpoint (GET /search/suggest?q=Mast → {"results": [{"title", "url", "municipality"}]}).
 * Keyboard: ↓/↑ move through the suggestions, Enter opens the chosen case, Escape closes the list;
 * the number of suggestions is announced through a polite live region. Without JavaScript (or
 * without a chosen suggestion) the form submits to the search page as before. */
(function () {
  "use strict";

  var DELAY = 180;

  function attach(input) {
    var host = input.parentNode;
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [];
    var active = -1;
    var timer = null;
    var shown = "";
    var controller = null;

    list.id = input.id + "-suggestions";
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.getAttribute("data-typeahead-label") || "");
    list.hidden = true;
    status.className = "kern-sr-only";
    status.setAttribute("role", "status");
    host.classList.add("suggest-host");
    host.appendChild(list);
    host.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function announce(n) {
      var key = n === 0 ? "data-typeahead-none" : n === 1 ? "data-typeahead-one" : "data-typeahead-many";
      status.textContent = (input.getAttribute(key) || "").replace("{n}", String(n));
    }

    function setActive(index) {
      var options = list.children;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
        options[active].classList.remove("is-active");
      }
      active = index;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "true");
        options[active].classList.add("is-active");
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function go(index) {
      if (items[index]) {
        window.location.assign(items[index].url);
      }
    }

    function render(results) {
      items = results;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      results.forEach(function (item, i) {
        var option = document.createElement("li");
        var title = document.createElement("span");
        var meta = document.createElement("span");
        option.id = list.id + "-" + i;
        option.className = "suggest-list__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        title.className = "suggest-list__title";
        title.textContent = item.title;
        meta.className = "suggest-list__meta";
        meta.textContent = item.municipality || "";
        option.appendChild(title);
        option.appendChild(document.createTextNode(" "));
        option.appendChild(meta);
        option.addEventListener("click", function () { go(i); });
        list.appendChild(option);
      });
      if (results.length) {
        open();
      } else {
        close();
      }
      announce(results.length);
    }

    function load() {
      var query = input.value.trim();
      if (query.length < 2) {
        shown = "";
        render([]);
        status.textContent = "";
        return;
      }
      if (query === shown) {
        open();
        return;
      }
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new window.AbortController() : null;
      var url = input.getAttribute("data-typeahead-url") + "?q=" + encodeURIComponent(query);
      window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin",
                          signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (input.value.trim() === query && document.activeElement === input) {
            shown = query;
            render(data.results || []);
          }
        })
        .catch(function () { /* the plain search form still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) {
          return;
        }
        event.preventDefault();
        open();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (!expanded) {
          next = step === 1 ? 0 : items.length - 1;
        } else if (next >= items.length) {
          next = 0;
        } else if (next < 0) {
          next = items.length - 1;
        }
        setActive(next);
      } else if (event.key === "Enter" && expanded && active >= 0) {
        event.preventDefault();
        go(active);
      } else if (event.key === "Escape" && expanded) {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });

    // Keep the focus in the input when a suggestion is clicked, so the click can open it.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
  }

  function init() {
    if (!window.fetch) {
      return;
    }
    var inputs = document.querySelectorAll("input[data-typeahead-url]");
    Array.prototype.forEach.call(inputs, attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
