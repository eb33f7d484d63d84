"""Map data: points of owners and adopters, from the registry's coordinates.

Every point also appears in the table that is the map's text alternative, so the
same list feeds both; points without coordinates are listed but not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kb.models import Adoption, Organisation, UseCase, labels
from kb.services.adoptions.declarations import is_stale
from kb.services.catalog.regions import RegionProfile

ROLE_LABELS = {
    "owner": _l("Betreibt die Lösung"),
    "adopter": _l("Nutzt die Lösung nach"),
    "self": _l("Diese Kommune"),
    "runs": _l("Betreibt eigene Lösungen"),
    "adopts": _l("Nutzt Lösungen nach"),
    "both": _l("Betreibt und nutzt nach"),
}


@dataclass
class MapPoint:
    """One organisation on a map."""

    name: str
    key: str | None
    role: str
    detail: str
    state: str | None
    lat: float | None
    lon: float | None
    verified: bool | None = None
    stale: bool = False
    source: str | None = None  # where an adopter's entry comes from and who confirmed it, in words

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None

    def as_json(self) -> dict:
        """The point for the map's script: its fields (position rounded to 4 places) and the role in words."""
        return {"name": self.name, "key": self.key, "role": self.role, "detail": self.detail, "state": self.state,
                "lat": round(self.lat, 4) if self.lat is not None else None,
                "lon": round(self.lon, 4) if self.lon is not None else None,
                "verified": self.verified, "stale": self.stale, "source": self.source,
                "role_label": role_label(self.role)}


def organisation_point(org: Organisation, role: str, detail: str, **extra) -> MapPoint:
    """The point of an organisation (its name, key, Land and position)."""
    return place_point(org.name, org.key, org.land.name if org.land else None, org.coordinates, role, detail, **extra)


def place_point(name: str, key: str | None, state: str | None, coordinates: tuple[float, float] | None, role: str,
                detail: str, **extra) -> MapPoint:
    """A point of an organisation given by its name, registry key, Land and position."""
    return MapPoint(name=name, key=key, role=role, detail=detail, state=state,
                    lat=coordinates[0] if coordinates else None, lon=coordinates[1] if coordinates else None, **extra)


def _adopter_point(adoption: Adoption, role: str = "adopter", name: str | None = None) -> MapPoint:
    point = adopter_point(adoption, organisation_point(adoption.organisation, role, ""))
    if name:
        point.name = name
    return point


def adopter_point(adoption, point: MapPoint) -> MapPoint:
    """Give the point of an adopter the adoption's status, trust, staleness and source (``adoption``:
    an Adoption or plain values with its fields)."""
    point.detail = labels.label(labels.ADOPTION_STATUS, adoption.status)
    point.verified = bool(adoption.verified)
    point.stale = is_stale(adoption)
    point.source = source_words(adoption)
    return point


def source_words(adoption: Adoption) -> str:
    """"Angabe der Kommune, vom Betreiber bestätigt": the source badges of an adoption as text."""
    words = [labels.label(labels.ADOPTION_SOURCE, adoption.source)]
    if adoption.owner_confirmed_at:
        words.append(str(_("vom Betreiber bestätigt")))
    if adoption.moderation_confirmed_at:
        words.append(str(_("bestätigt durch Moderation")))
    return ", ".join(words)


def case_points(case: UseCase) -> list[MapPoint]:
    """The owner of a case and all its adopters."""
    owner = organisation_point(case.owner, "owner", labels.label(labels.CASE_STATUS, case.status), verified=True)
    return [owner] + [_adopter_point(a) for a in case.adoptions]


def region_points(profile: RegionProfile) -> list[MapPoint]:
    """Every active organisation of a Kreis or Land, marked by what it does."""
    points = []
    for place in profile.places:
        role = "both" if place.runs and place.adopts else ("runs" if place.runs else "adopts")
        detail = _("%(runs)d eigene, %(adopts)d nachgenutzte Lösungen", runs=place.runs, adopts=place.adopts)
        points.append(organisation_point(place.organisation, role, detail))
    return points


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))
