/* The filter disclosure of the search and list pages: progressive enhancement only.
 * Loaded right after <details class="filter-disclosure"> (not deferred, so a phone never shows the
 * open filters first): below the two-column width the filters start closed and the results come
 * first; on wide screens they are always open (the summary is hidden there). The summary's count
 * of ticked filters follows the checkboxes; the "skip the filters" link is not needed any more.
 * Without JavaScript the disclosure stays open and the skip link stays. */
(function () {
  "use strict";
  if (!window.matchMedia) {
    return;
  }
  var wide = window.matchMedia("(min-width: 992px)");
  var boxes = document.querySelectorAll("details.filter-disclosure");

  function fit() {
    Array.prototype.forEach.call(boxes, function (box) {
      box.open = wide.matches;
    });
  }

  function count(box) {
    var label = box.querySelector(".filter-disclosure__count");
    var ticked = box.querySelectorAll("input[type=checkbox]:checked").length;
    if (label) {
      label.textContent = ticked ? label.getAttribute("data-template").replace("{n}", String(ticked)) : "";
    }
  }

  fit();
  Array.prototype.forEach.call(document.querySelectorAll(".jump-to-results"), function (jump) {
    jump.hidden = true;  // the closed filters no longer stand between the count and the results
  });
  if (wide.addEventListener) {
    wide.addEventListener("change", fit);
  }
  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener("change", function () {
      count(box);
    });
  });
})();
