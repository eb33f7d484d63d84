/* The site navigation on phones: progressive enhancement only.
 * Loaded right after the navigation bar (not deferred, so a phone never shows the open menu
 * first). Below 48em it puts a "Menü" button in front of the main and account navigation and
 * folds them behind it, all but the Merkliste (aria-expanded, aria-controls; Escape closes and
 * returns to the button).
 * On wider screens the button is hidden and both navigations are always shown. Without
 * JavaScript there is no button and nothing is folded. */
(function () {
  "use strict";
  var bar = document.querySelector(".site-nav-bar");
  var inner = bar && bar.querySelector(".site-nav-bar__inner");
  if (!inner || !window.matchMedia) {
    return;
  }
  var narrow = window.matchMedia("(max-width: 47.99em)");
  var button = document.createElement("button");
  var icon = document.createElement("span");
  var ids = [];

  Array.prototype.forEach.call(inner.querySelectorAll("nav"), function (nav, i) {
    nav.id = nav.id || "site-menu-part-" + i;
    ids.push(nav.id);
  });
  button.type = "button";
  button.className = "site-nav__link site-nav__button site-menu-toggle";
  button.setAttribute("aria-controls", ids.join(" "));
  icon.className = "kern-icon kern-icon--dehaze kern-icon--small";
  icon.setAttribute("aria-hidden", "true");
  button.appendChild(icon);
  button.appendChild(document.createTextNode(bar.getAttribute("data-menu-label") || "Menü"));
  inner.insertBefore(button, inner.firstChild);

  function show(open) {
    button.setAttribute("aria-expanded", String(open));
    bar.classList.toggle("site-nav-bar--closed", !open);
  }

  function fit() {
    button.hidden = !narrow.matches;
    show(!narrow.matches);
  }

  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  bar.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && narrow.matches && button.getAttribute("aria-expanded") === "true") {
      show(false);
      button.focus();
    }
  });
  fit();
  if (narrow.addEventListener) {
    narrow.addEventListener("change", fit);
  }
})();
