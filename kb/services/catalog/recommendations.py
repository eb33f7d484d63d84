""""Kommunen wie Ihre": cases that municipalities of similar size nearby already use.

A municipality is *similar* when it falls into the same population class. Similar
municipalities in the same Kreis count most, then those in the same Land, then the rest of
Germany (so that a recommendation is possible where a Land has few of that size). Running a
case counts more than piloting it; interest is no use and does not count (kb.models.usage). A
verified adoption or the owner itself counts more than an imported one. A municipality is never
offered a solution it owns or already has an adoption record for, and "läuft in N weiteren
Kommunen" counts only users other than the owner (the owner is named on its own).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache as built_once
from typing import NamedTuple

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, bindparam, case, func, select, union_all
from sqlalchemy.orm import Session

from kb.models import (
    Adoption,
    AdoptionStatus,
    CaseStatus,
    ModerationState,
    Municipality,
    Organisation,
    UseCase,
    usage,
)
from kb.services.catalog.cards import CardSummary, card_summaries
from kb.services.generation import cache


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
STATUS_WEIGHT = {"in_betrieb": 1.0, "pilot": 0.6}  # a use's status, or the case's own
TRUST_WEIGHT = {True: 1.5, False: 1.0}


def population_class(population: int | None) -> PopulationClass | None:
    """Return the class of a population figure, or None if it is unknown."""
    return next((c for c in POPULATION_CLASSES if c.contains(population)), None)


@dataclass
class Recommendation:
    """A case (as a card) with its score and the municipalities that explain it."""

    case: CardSummary
    score: float = 0.0
    users: dict[str, list[Municipality]] = field(default_factory=lambda: defaultdict(list))  # not the owner
    reasons: list[str] = field(default_factory=list)
    owner_peer: Municipality | None = None  # the owner, when it is a municipality of the same class

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""

    @property
    def municipalities(self) -> list[Municipality]:
        """The similar municipalities that use it (not the owner), closest first."""
        return [m for region in ("kreis", "land", "bund") for m in self.users.get(region, [])]

    @property
    def examples(self) -> list[Municipality]:
        """The owner (if similar) and the users, for "Zum Beispiel"."""
        return ([self.owner_peer] if self.owner_peer else []) + self.municipalities


def recommend(session: Session, municipality: Municipality, limit: int = 6) -> list[Recommendation]:
    """Return up to ``limit`` cases similar municipalities use and this one does not, best first.

    The uses within each population class are summed up once per data generation and process
    (:func:`_class_uses`); a recommendation adds the sums of the municipality's Land and Kreis to the
    nationwide ones. The cards (plain values, :func:`card_summaries`) and peers shown are loaded for the
    ``limit`` recommendations only.
    """
    klass = population_class(municipality.population)
    if klass is None:
        return []
    ranked = cache.get(session, ("recommend", municipality.ags, limit),
                       lambda: _rank(session, municipality, klass, limit))
    cases = card_summaries(session, [case_id for case_id, _score, _users, _owner in ranked])
    wanted = {ags for _id, _score, users, _owner in ranked for peers in users.values() for ags in peers}
    wanted |= {owner for _id, _score, _users, owner in ranked if owner}
    peers = {m.ags: m for m in session.scalars(_PEERS, {"keys": list(wanted)})} if wanted else {}
    recs = []
    for case_id, score, users, owner in ranked:
        rec = Recommendation(cases[case_id], score, owner_peer=peers.get(owner) if owner else None)
        for region, keys in users.items():
            rec.users[region] = [peers[ags] for ags in keys]
        rec.reasons = explain(rec, municipality, klass)
        recs.append(rec)
    return recs


@dataclass(frozen=True)
class _ClassUses:
    """Summed use weights of the cases used within one population class: nationwide (indexed by
    case id), and per Land and per Kreis as (case ids, sums)."""

    bund: np.ndarray
    land: dict[str, tuple[np.ndarray, np.ndarray]]
    kreis: dict[str, tuple[np.ndarray, np.ndarray]]


def _class_uses(session: Session, klass: PopulationClass) -> _ClassUses:
    rows = session.execute(_statements(klass.key).sums).all()
    size = max((row[2] for row in rows), default=0) + 1
    bund = np.zeros(size)
    by_land: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    by_kreis: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for kreis_key, land_code, case_id, weight in rows:
        bund[case_id] += weight
        by_land[land_code][case_id] += weight
        if kreis_key:
            by_kreis[kreis_key][case_id] += weight

    def arrays(groups: dict[str, dict[int, float]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {key: (np.fromiter(sums.keys(), dtype=np.int64, count=len(sums)),
                      np.fromiter(sums.values(), dtype=np.float64, count=len(sums))) for key, sums in groups.items()}

    return _ClassUses(bund, arrays(by_land), arrays(by_kreis))


def _rank(session: Session, municipality: Municipality, klass: PopulationClass,
          limit: int) -> list[tuple[int, float, dict[str, tuple[str, ...]], str | None]]:
    """(case id, score, user AGS per region, owner AGS if in the class) of the best ``limit`` cases the
    municipality does not know.

    A peer in the same Kreis weighs 3, in the same Land 2, elsewhere 1 (``REGION_WEIGHT``): the
    score is the nationwide sum plus the Land's plus the Kreis's.
    """
    sums = cache.get(session, ("class_uses", klass.key), lambda: _class_uses(session, klass))
    scores = sums.bund.copy()
    for key, groups in ((municipality.land_code, sums.land), (municipality.kreis_key, sums.kreis)):
        if key in groups:
            ids, weights = groups[key]
            scores[ids] += weights
    statements = _statements(klass.key)
    known = [i for i in session.scalars(statements.known, {"ags": municipality.ags}) if i < len(scores)]
    scores[known] = 0.0
    candidates = np.flatnonzero(scores > 0)
    if not len(candidates):
        return []
    if len(candidates) > limit:  # the best ``limit`` and every case tied with the last of them
        cut = np.partition(scores[candidates], len(candidates) - limit)[len(candidates) - limit]
        candidates = candidates[scores[candidates] >= cut]
    titles = dict(session.execute(_TITLES, {"ids": candidates.tolist()}).all())
    top = sorted(candidates.tolist(), key=lambda i: (-round(scores[i], 9), titles[i]))[:limit]
    users: dict[int, dict[str, list[str]]] = {case_id: defaultdict(list) for case_id in top}
    owners: dict[int, str] = {}
    for case_id, ags in session.execute(statements.owners, {"ids": top}):
        owners[case_id] = ags
    for case_id, ags, kreis_key, land_code in session.execute(statements.users, {"ids": top, "ags": municipality.ags}):
        peers = users[case_id][region_of(municipality, kreis_key, land_code)]
        if ags not in peers and ags != owners.get(case_id):
            peers.append(ags)
    return [(case_id, float(scores[case_id]), {region: tuple(keys) for region, keys in users[case_id].items()},
             owners.get(case_id)) for case_id in top]


class _Statements(NamedTuple):
    """The statements of :func:`_rank` for one population class."""

    sums: Select  # (Kreis, Land, case id, summed weight) of the uses in the class
    known: Select  # ids of the cases the municipality knows (parameter ``ags``)
    owners: Select  # (case id, AGS) of the owners in the class of the cases ``ids``
    users: Select  # (case id, AGS, Kreis, Land) of the users in the class of the cases ``ids`` but ``ags``


_TITLES = select(UseCase.id, UseCase.title).where(UseCase.id.in_(bindparam("ids", expanding=True)))
_PEERS = select(Municipality).where(Municipality.ags.in_(bindparam("keys", expanding=True)))


@built_once
def _statements(klass_key: str) -> _Statements:
    """The statements of :func:`_rank` for the class with this key, built once per process:
    SQLAlchemy keeps a statement's cache key, building and keying them anew cost as much as running them."""
    klass = next(c for c in POPULATION_CLASSES if c.key == klass_key)
    uses = union_all(*_uses_in_class(klass)).subquery()
    sums = select(uses.c.kreis_key, uses.c.land_code, uses.c.case_id, func.sum(uses.c.weight)).group_by(
        uses.c.kreis_key, uses.c.land_code, uses.c.case_id)
    adoption_uses, owned_uses = _uses_in_class(klass, bindparam("ids", expanding=True))
    users = select(adoption_uses.c.case_id, adoption_uses.c.ags, adoption_uses.c.kreis_key,
                   adoption_uses.c.land_code).where(adoption_uses.c.ags != bindparam("ags"))
    return _Statements(sums, _cases_known_to(bindparam("ags")), select(owned_uses.c.case_id, owned_uses.c.ags),
                       users)


def region_of(municipality: Municipality, kreis_key: str | None, land_code: str) -> str:
    """Where a peer (given by its Kreis and Land) lies seen from the municipality."""
    if municipality.kreis_key and kreis_key == municipality.kreis_key:
        return "kreis"
    if land_code == municipality.land_code:
        return "land"
    return "bund"


def explain(rec: Recommendation, municipality: Municipality, klass: PopulationClass) -> list[str]:
    """Say in words why the case is recommended: its owner if similar, then its users closest first."""
    reasons = []
    if rec.owner_peer is not None:
        reasons.append(_("betrieben von %(owner)s, einer Kommune %(size)s", owner=rec.owner_peer.display_name,
                         size=klass.label))
    for region in ("kreis", "land", "bund"):
        n = len(rec.users.get(region, []))
        if not n:
            continue
        if region == "kreis":
            where = municipality.kreis.display_name if municipality.kreis else ""
            reasons.append(ngettext("läuft in %(num)d weiteren Kommune %(size)s im %(where)s",
                                    "läuft in %(num)d weiteren Kommunen %(size)s im %(where)s", n,
                                    size=klass.label, where=where))
        elif region == "land":
            reasons.append(ngettext("läuft in %(num)d weiteren Kommune %(size)s in %(where)s",
                                    "läuft in %(num)d weiteren Kommunen %(size)s in %(where)s", n,
                                    size=klass.label, where=municipality.land.name))
        else:
            reasons.append(ngettext("läuft bundesweit in %(num)d weiteren Kommune %(size)s",
                                    "läuft bundesweit in %(num)d weiteren Kommunen %(size)s", n,
                                    size=klass.label))
    return reasons


def _cases_known_to(ags):
    """Ids of cases the municipality with the AGS ``ags`` (a value or a bound parameter) – any
    organisation registered for it – runs or has an adoption record for (a select): a municipality is
    never offered its own solution, nor one it already knows."""
    org_ids = select(Organisation.id).where(Organisation.municipality_ags == ags)
    return union_all(select(UseCase.id).where(UseCase.owner_id.in_(org_ids)),
                     select(Adoption.case_id).where(Adoption.organisation_id.in_(org_ids)))


def _class_filter(klass: PopulationClass):
    conditions = [Municipality.population >= klass.lower]
    if klass.upper is not None:
        conditions.append(Municipality.population < klass.upper)
    return conditions


def _weight(column, enum_cls, weights: dict[str, float]):
    """A SQL expression giving ``weights[value]`` for the column's value (0 for others)."""
    known = [(column == enum_cls(key), value) for key, value in weights.items() if key in enum_cls._value2member_map_]
    return case(*known, else_=0.0)


def _uses_in_class(klass: PopulationClass, case_ids=None):
    """Two subqueries of the uses of published cases by municipalities of the class — their adoptions,
    then their own cases — with (case id, AGS, Kreis, Land, weight); only ``case_ids`` (a list or an
    expanding bound parameter) if given."""
    published = UseCase.moderation == ModerationState.PUBLISHED
    peers = _class_filter(klass)
    place = (Municipality.ags, Municipality.kreis_key, Municipality.land_code)
    trust = case((Adoption.verified.is_(True), TRUST_WEIGHT[True]), else_=TRUST_WEIGHT[False])
    adoptions = (
        select(UseCase.id.label("case_id"), *place,
               (_weight(Adoption.status, AdoptionStatus, STATUS_WEIGHT) * trust).label("weight"))
        .join(Organisation, Organisation.id == Adoption.organisation_id)
        .join(Municipality, Municipality.ags == Organisation.municipality_ags)
        .join(UseCase, UseCase.id == Adoption.case_id)
        .where(published, UseCase.status != CaseStatus.EINGESTELLT,
               usage.uses_clause(), *peers)
    )
    owned = (
        select(UseCase.id.label("case_id"), *place,
               (_weight(UseCase.status, CaseStatus, STATUS_WEIGHT) * TRUST_WEIGHT[True]).label("weight"))
        .join(Organisation, Organisation.id == UseCase.owner_id)
        .join(Municipality, Municipality.ags == Organisation.municipality_ags)
        .where(published, UseCase.status.in_([CaseStatus.PILOT, CaseStatus.IN_BETRIEB]), *peers)
    )
    if case_ids is not None:
        return adoptions.where(UseCase.id.in_(case_ids)).subquery(), owned.where(UseCase.id.in_(case_ids)).subquery()
    return adoptions, owned
