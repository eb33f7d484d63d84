/* Live filters on the search page: progressive enhancement only.
 * Ticking a facet checkbox in <form data-live-filter> fetches the search page for the new query,
 * swaps the results region (#results), updates the facet counts in place, keeps the keyboard
 * focus on the checkbox, announces the new count through #result-count (role=status) and
 * records the address with history.pushState. Without JavaScript the GET form with its
 * "Filter anwenden" button does the same with a full page load. */
(function () {
  "use strict";

  function params(form) {
    var query = new window.URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || ((field.type === "checkbox" || field.type === "radio") && !field.checked)) {
        return;
      }
      if (field.type !== "submit" && field.value !== "") {
        query.append(field.name, field.value);
      }
    });
    return query.toString();
  }

  function signature(fieldset) {
    return Array.prototype.map.call(fieldset.querySelectorAll("input"), function (input) {
      return input.name + "=" + input.value;
    }).join("&");
  }

  function sameField(a, b) {
    return a && b && a.name === b.name && a.value === b.value && a.type === b.type;
  }

  function init() {
    var form = document.querySelector("form[data-live-filter]");
    var results = document.getElementById("results");
    var count = document.getElementById("result-count");
    if (!form || !results || !count || !window.fetch || !window.DOMParser || !window.history.pushState) {
      return;
    }
    var controller = null;
    var current = window.location.pathname + window.location.search;

    function swapFacets(doc) {
      var fresh = doc.querySelectorAll("form[data-live-filter] fieldset.facet");
      var old = form.querySelectorAll("fieldset.facet");
      if (fresh.length !== old.length) {
        return false;
      }
      Array.prototype.forEach.call(old, function (fieldset, i) {
        var replacement = fresh[i];
        if (signature(fieldset) === signature(replacement)) {
          // Same values: update counts and ticks in place, so the focused checkbox stays put.
          var inputs = fieldset.querySelectorAll("input");
          var newInputs = replacement.querySelectorAll("input");
          Array.prototype.forEach.call(inputs, function (input, j) {
            input.checked = newInputs[j].checked;
            var label = form.querySelector("label[for='" + input.id + "']");
            var newLabel = replacement.querySelector("label[for='" + newInputs[j].id + "']");
            if (label && newLabel && label.innerHTML !== newLabel.innerHTML) {
              label.innerHTML = newLabel.innerHTML;
            }
          });
          return;
        }
        var focused = fieldset.contains(document.activeElement) ? document.activeElement : null;
        var imported = document.importNode(replacement, true);
        fieldset.parentNode.replaceChild(imported, fieldset);
        if (focused) {
          Array.prototype.forEach.call(imported.querySelectorAll("input"), function (input) {
            if (sameField(input, focused)) {
              input.focus();
            }
          });
        }
      });
      return true;
    }

    function swapHidden(doc, selector) {
      var target = document.querySelector(selector);
      var source = doc.querySelector(selector);
      if (!target || !source) {
        return;
      }
      Array.prototype.forEach.call(target.querySelectorAll("input[type=hidden]"), function (input) {
        input.parentNode.removeChild(input);
      });
      var anchor = target.firstChild;
      Array.prototype.forEach.call(source.querySelectorAll("input[type=hidden]"), function (input) {
        target.insertBefore(document.importNode(input, true), anchor);
      });
    }

    function swap(doc) {
      var newResults = doc.getElementById("results");
      var newCount = doc.getElementById("result-count");
      if (!newResults || !newCount || !swapFacets(doc)) {
        return false;
      }
      while (results.firstChild) {
        results.removeChild(results.firstChild);
      }
      Array.prototype.forEach.call(newResults.childNodes, function (node) {
        results.appendChild(document.importNode(node, true));
      });
      swapHidden(doc, ".search-page-form");
      document.title = doc.title;
      count.textContent = newCount.textContent.replace(/\s+/g, " ").trim();
      return true;
    }

    function update(url, push) {
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new window.AbortController() : null;
      results.setAttribute("aria-busy", "true");
      window.fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin",
                          signal: controller ? controller.signal : undefined })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var doc = new window.DOMParser().parseFromString(html, "text/html");
          results.removeAttribute("aria-busy");
          if (!swap(doc)) {
            window.location.assign(url);
            return;
          }
          if (push) {
            window.history.pushState({ liveFilter: true }, "", url);
          }
          current = window.location.pathname + window.location.search;
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          // The server's own page explains what went wrong (e.g. an unknown filter value).
          window.location.assign(url);
        });
    }

    function target() {
      var query = params(form);
      return form.getAttribute("action") + (query ? "?" + query : "");
    }

    form.addEventListener("change", function (event) {
      if (event.target.matches("input[type=checkbox], select")) {
        update(target(), true);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update(target(), true);
    });
    window.addEventListener("popstate", function () {
      var now = window.location.pathname + window.location.search;
      if (now !== current) {
        update(window.location.href, false);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
