"""Load the Destatis municipality registry and resolve names against it."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kb.models import Kreis, Land, Municipality
from kb.services.registry.names import NameResolver, display_name

REGISTRY_FILES = {
    "laender": "bundeslaender.csv",
    "kreise": "kreise_destatis_gv_20201231.csv",
    "gemeinden": "gemeinden_destatis_gv_20201231.csv",
}
ATTRIBUTION = (
    "© Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV-ISys, "
    "Stand 31.12.2020, dl-de/by-2-0"
)


def registry_dir() -> Path:
    """Return the folder that holds the registry CSV files."""
    return Path(current_app.config["KB_SEED_DIR"]) / "registry"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=4)
def _resolver_for(path: str) -> NameResolver:
    return NameResolver.from_csv_dir(path)


def get_resolver() -> NameResolver:
    """Return the (cached) name resolver for this app's registry files."""
    return _resolver_for(str(registry_dir()))


def load_registry(
    session: Session, folder: Path | None = None, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Replace the registry tables with the CSV contents in one transaction; return counts.

    Safe to run again: rows are rewritten only if the registry is empty or incomplete.
    """
    folder = folder or registry_dir()
    laender = read_csv(folder / REGISTRY_FILES["laender"])
    kreise = read_csv(folder / REGISTRY_FILES["kreise"])
    gemeinden = read_csv(folder / REGISTRY_FILES["gemeinden"])
    have = session.scalar(select(func.count()).select_from(Municipality)) or 0
    if have == len(gemeinden):
        return {"laender": len(laender), "kreise": len(kreise), "gemeinden": 0, "skipped": have}
    if have:
        session.execute(delete(Municipality))
        session.execute(delete(Kreis))
        session.execute(delete(Land))
    session.execute(insert(Land), [{"code": r["code"], "name": r["name"]} for r in laender])
    session.execute(insert(Kreis), _kreis_rows(kreise, gemeinden))
    if progress:
        progress(len(laender) + len(kreise))
    batch = 2000
    kreis_keys = {k["kreis_key"] for k in kreise}
    rows = [_municipality_row(r, kreis_keys) for r in gemeinden]
    for start in range(0, len(rows), batch):
        session.execute(insert(Municipality), rows[start : start + batch])
        if progress:
            progress(len(rows[start : start + batch]))
    session.commit()
    return {"laender": len(laender), "kreise": len(kreise), "gemeinden": len(rows), "skipped": 0}


def _number(value: str, kind: type = int):
    value = (value or "").strip()
    return kind(value) if value else None


def _municipality_row(r: dict[str, str], kreis_keys: set[str]) -> dict:
    """Map a CSV row; two unpopulated gemeindefreie Gebiete belong to no listed Kreis."""
    return {
        "ags": r["ags"],
        "ars": r["ars"],
        "name": r["name"],
        "display_name": display_name(r["name"], r["typ"]),
        "typ": r["typ"],
        "gemeindefrei": r["gemeindefrei"] == "1",
        "land_code": r["bundesland_code"],
        "kreis_key": r["kreis_key"] if r["kreis_key"] in kreis_keys else None,
        "area_km2": _number(r["flaeche_km2"], float),
        "population": _number(r["einwohner"]),
        "postcode": r["plz"] or None,
        "lat": _number(r["lat"], float),
        "lon": _number(r["lon"], float),
        "urbanisation": r["verstaedterung"] or None,
    }


def _kreis_rows(kreise: list[dict[str, str]], gemeinden: list[dict[str, str]]) -> list[dict]:
    """Build Kreis rows; place each Kreis at the population-weighted centre of its Gemeinden."""
    weights: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for g in gemeinden:
        if g["lat"] and g["lon"]:
            weights[g["kreis_key"]].append((float(g["lat"]), float(g["lon"]), float(g["einwohner"] or 1)))
    rows = []
    for k in kreise:
        points = weights.get(k["kreis_key"], [])
        total = sum(w for _, _, w in points) or 1.0
        rows.append(
            {
                "key": k["kreis_key"],
                "name": k["name"],
                "display_name": display_name(k["name"], k["typ"]),
                "typ": k["typ"],
                "land_code": k["bundesland_code"],
                "population": _number(k["einwohner_sum"]),
                "area_km2": _number(k["flaeche_km2_sum"], float),
                "municipality_count": _number(k["anzahl_gemeinden"]),
                "lat": sum(lat * w for lat, _, w in points) / total if points else None,
                "lon": sum(lon * w for _, lon, w in points) / total if points else None,
            }
        )
    return rows
