/* Praxisatlas: owner/adopter maps as progressive enhancement.
 *
 * Turns every element with [data-atlas-map] into a Leaflet map. The places come from the
 * element's data-points attribute (JSON, written by the server); the same places are in a
 * table next to the map, so nothing is lost without JavaScript. Länder outlines are a
 * bundled GeoJSON file (data-outlines); a tile layer is added only when the operator
 * configured one (data-tile-url). No inline styles, no external requests by default.
 */
(function () {
  "use strict";

  var COLOURS = {
    owner: "#0b3d91",
    self: "#0b3d91",
    adopter: "#00806b",
    runs: "#0b3d91",
    adopts: "#00806b",
    both: "#7a3ea1"
  };
  var GERMANY = [[47.2, 5.8], [55.1, 15.1]];

  function popup(point, linkBase, staleLabel) {
    var box = document.createElement("div");
    var title = document.createElement(point.key ? "a" : "strong");
    title.textContent = point.name;
    if (point.key) {
      title.href = linkBase.replace("00000000", point.key);
    }
    box.appendChild(title);
    var lines = [point.role_label, point.detail, point.state];
    if (point.stale) {
      lines.push(staleLabel);
    }
    lines.forEach(function (text) {
      if (text) {
        var line = document.createElement("div");
        line.textContent = text;
        box.appendChild(line);
      }
    });
    return box;
  }

  function addOutlines(map, url) {
    if (!url || !window.fetch) {
      return;
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) {
          return;
        }
        L.geoJSON(data, {
          interactive: false,
          style: { color: "#6b7280", weight: 1, fillColor: "#e8edf5", fillOpacity: 0.6, className: "atlas-land" }
        }).addTo(map).bringToBack();
      })
      .catch(function () { /* the points and the table still work */ });
  }

  function init(element) {
    var points;
    try {
      points = JSON.parse(element.getAttribute("data-points") || "[]");
    } catch (err) {
      return;
    }
    var fallback = element.querySelector(".atlas-map__fallback");
    if (fallback) {
      fallback.parentNode.removeChild(fallback);
    }
    element.classList.add("atlas-map__canvas--active");
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", element.getAttribute("data-label") || "");

    var map = L.map(element, { scrollWheelZoom: false, zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(element.getAttribute("data-attribution") || "Natural Earth");
    var tileUrl = element.getAttribute("data-tile-url");
    if (tileUrl) {
      // Leaflet renders attributions as HTML: pass the operator's text as text only.
      var tileCredit = document.createElement("span");
      tileCredit.textContent = element.getAttribute("data-tile-attribution") || "";
      L.tileLayer(tileUrl, { maxZoom: 18, attribution: tileCredit.innerHTML }).addTo(map);
    }
    addOutlines(map, element.getAttribute("data-outlines"));

    var linkBase = element.getAttribute("data-link-base") || "";
    var staleLabel = element.getAttribute("data-stale-label") || "";
    var bounds = [];
    points.forEach(function (point) {
      var big = point.role === "owner" || point.role === "self";
      var marker = L.circleMarker([point.lat, point.lon], {
        radius: big ? 9 : 6,
        color: "#ffffff",
        weight: 2,
        fillColor: COLOURS[point.role] || "#444444",
        fillOpacity: point.stale ? 0.45 : 0.95,
        className: "atlas-marker atlas-marker--" + point.role
      });
      marker.bindPopup(popup(point, linkBase, staleLabel));
      marker.bindTooltip(point.name);
      marker.addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 9 });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], 8);
    } else {
      map.fitBounds(GERMANY);
    }
  }

  function start() {
    if (!window.L) {
      return;
    }
    var maps = document.querySelectorAll("[data-atlas-map]");
    for (var i = 0; i < maps.length; i += 1) {
      init(maps[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
