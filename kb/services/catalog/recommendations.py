""""Kommunen wie Ihre": cases that municipalities of similar size nearby already use.

A municipality is *similar* when it falls into the same population class. Similar
municipalities in the same Kreis count most, then those in the same Land, then the rest of
Germany (so that a recommendation is possible where a Land has few of that size). Running a
case counts more than piloting it, piloting more than being interested; a verified
adoption or the owner itself counts more than an imported one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.models import (
    Adoption,
    AdoptionStatus,
    CaseStatus,
    ModerationState,
    Municipality,
    Organisation,
    UseCase,
)
from kb.services.catalog.listing import case_list_options


@dataclass(frozen=True)
class PopulationClass:
    """A band of population, lower bound inclusive, upper bound exclusive (None: open)."""

    key: str
    lower: int
    upper: int | None
    label: str

    def contains(self, population: int | None) -> bool:
        return population is not None and population >= self.lower and (self.upper is None or population < self.upper)


POPULATION_CLASSES = (
    PopulationClass("unter-5000", 0, 5_000, _l("unter 5.000 Einwohnern")),
    PopulationClass("5000-20000", 5_000, 20_000, _l("zwischen 5.000 und 20.000 Einwohnern")),
    PopulationClass("20000-50000", 20_000, 50_000, _l("zwischen 20.000 und 50.000 Einwohnern")),
    PopulationClass("50000-100000", 50_000, 100_000, _l("zwischen 50.000 und 100.000 Einwohnern")),
    PopulationClass("100000-500000", 100_000, 500_000, _l("zwischen 100.000 und 500.000 Einwohnern")),
    PopulationClass("ab-500000", 500_000, None, _l("mit 500.000 und mehr Einwohnern")),
)

REGION_WEIGHT = {"kreis": 3.0, "land": 2.0, "bund": 1.0}
STATUS_WEIGHT = {"in_betrieb": 1.0, "pilot": 0.6, "interessiert": 0.2}  # adoption or case status
TRUST_WEIGHT = {True: 1.5, False: 1.0}


def population_class(population: int | None) -> PopulationClass | None:
    """Return the class of a population figure, or None if it is unknown."""
    return next((c for c in POPULATION_CLASSES if c.contains(population)), None)


@dataclass
class Recommendation:
    """A case with its score and the municipalities that explain it."""

    case: UseCase
    score: float = 0.0
    users: dict[str, list[Municipality]] = field(default_factory=lambda: defaultdict(list))
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""

    @property
    def municipalities(self) -> list[Municipality]:
        return [m for region in ("kreis", "land", "bund") for m in self.users.get(region, [])]


def recommend(session: Session, municipality: Municipality, limit: int = 6) -> list[Recommendation]:
    """Return up to ``limit`` cases similar municipalities use and this one does not, best first."""
    klass = population_class(municipality.population)
    if klass is None:
        return []
    known = _cases_known_to(session, municipality.ags)
    found: dict[int, Recommendation] = {}
    for case, peer, weight in _uses_by_similar(session, municipality, klass):
        if case.id in known:
            continue
        rec = found.setdefault(case.id, Recommendation(case))
        region = region_of(municipality, peer)
        if peer not in rec.users[region]:
            rec.users[region].append(peer)
            rec.score += REGION_WEIGHT[region] * weight
    ranked = sorted(found.values(), key=lambda r: (-r.score, r.case.title))[:limit]
    for rec in ranked:
        rec.reasons = explain(rec, municipality, klass)
    return ranked


def region_of(municipality: Municipality, peer: Municipality) -> str:
    if municipality.kreis_key and peer.kreis_key == municipality.kreis_key:
        return "kreis"
    if peer.land_code == municipality.land_code:
        return "land"
    return "bund"


def explain(rec: Recommendation, municipality: Municipality, klass: PopulationClass) -> list[str]:
    """Say in words why the case is recommended, closest region first."""
    reasons = []
    for region in ("kreis", "land", "bund"):
        n = len(rec.users.get(region, []))
        if not n:
            continue
        if region == "kreis":
            where = municipality.kreis.display_name if municipality.kreis else ""
            reasons.append(ngettext("läuft in %(num)d Kommune %(size)s im %(where)s",
                                    "läuft in %(num)d Kommunen %(size)s im %(where)s", n,
                                    size=klass.label, where=where))
        elif region == "land":
            reasons.append(ngettext("läuft in %(num)d Kommune %(size)s in %(where)s",
                                    "läuft in %(num)d Kommunen %(size)s in %(where)s", n,
                                    size=klass.label, where=municipality.land.name))
        else:
            reasons.append(ngettext("läuft bundesweit in %(num)d weiteren Kommune %(size)s",
                                    "läuft bundesweit in %(num)d weiteren Kommunen %(size)s", n,
                                    size=klass.label))
    return reasons


def _cases_known_to(session: Session, ags: str) -> set[int]:
    """Ids of cases the municipality runs or has an adoption record for."""
    org_id = session.scalar(select(Organisation.id).where(Organisation.municipality_ags == ags))
    if org_id is None:
        return set()
    owned = session.scalars(select(UseCase.id).where(UseCase.owner_id == org_id))
    adopted = session.scalars(select(Adoption.case_id).where(Adoption.organisation_id == org_id))
    return set(owned) | set(adopted)


def _peer_filter(municipality: Municipality, klass: PopulationClass):
    conditions = [Municipality.population >= klass.lower, Municipality.ags != municipality.ags]
    if klass.upper is not None:
        conditions.append(Municipality.population < klass.upper)
    return conditions


def _uses_by_similar(session: Session, municipality: Municipality, klass: PopulationClass):
    """Yield (case, peer municipality, weight) for every use of a published case by a peer."""
    published = UseCase.moderation == ModerationState.PUBLISHED
    peers = _peer_filter(municipality, klass)
    adoptions = session.execute(
        select(Adoption, Municipality)
        .join(Organisation, Organisation.id == Adoption.organisation_id)
        .join(Municipality, Municipality.ags == Organisation.municipality_ags)
        .join(UseCase, UseCase.id == Adoption.case_id)
        .where(published, UseCase.status != CaseStatus.EINGESTELLT,
               Adoption.status != AdoptionStatus.EINGESTELLT, *peers)
        .options(selectinload(Adoption.case).options(*case_list_options()))
    )
    for adoption, peer in adoptions:
        weight = STATUS_WEIGHT.get(adoption.status.value, 0.0) * TRUST_WEIGHT[bool(adoption.verified)]
        yield adoption.case, peer, weight
    owned = session.execute(
        select(UseCase, Municipality)
        .join(Organisation, Organisation.id == UseCase.owner_id)
        .join(Municipality, Municipality.ags == Organisation.municipality_ags)
        .where(published, UseCase.status.in_([CaseStatus.PILOT, CaseStatus.IN_BETRIEB]), *peers)
        .options(*case_list_options())
    )
    for case, peer in owned:
        yield case, peer, STATUS_WEIGHT[case.status.value] * TRUST_WEIGHT[True]
