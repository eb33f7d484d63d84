"""Size classes of municipalities by inhabitants ("Kommunen Ihrer Größe").

Four classes of Gemeinden by the registry's population plus one for the Kreise; an organisation
outside the registry (a Land, an association, a company) or a Gemeinde without a population
figure has no class. The same classes drive the peers on a case page and the size filter of
browsing and search ("Nutzer unter 10.000 Einwohnern"; the search index stores each case's
classes, kb.search.documents).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, literal, or_, select

from kb.models import Municipality, Organisation, OrganisationKind
from kb.models.usage import OWNER_RUNS_STATUSES, USE_STATUSES


@dataclass(frozen=True, eq=False)
class Band:
    """A band of population, lower bound inclusive, upper bound exclusive (None: open).

    Bands are equal when their kind and key are (compared and hashed by key: comparing the lazy
    labels would translate them, three look-ups of the catalogue for every hash)."""

    key: str
    lower: int
    upper: int | None
    label: object  # lazy string inside a sentence: "unter 10.000 Einwohnern"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.key == self.key

    def __hash__(self) -> int:
        return hash((type(self), self.key))

    def contains(self, population: int | None) -> bool:
        return population is not None and population >= self.lower and (self.upper is None or population < self.upper)

    def population_clause(self, column) -> ColumnElement[bool]:
        """SQL: ``column`` (a population) lies in the band."""
        conditions = [column >= self.lower]
        if self.upper is not None:
            conditions.append(column < self.upper)
        return and_(*conditions)


@dataclass(frozen=True, eq=False)
class SizeClass(Band):
    """A size class of the catalogue (a Gemeinde band, or all Kreise)."""

    heading: object = ""  # on its own: "Kommunen unter 10.000 Einwohnern"
    users_label: object = ""  # the filter: "Nutzer unter 10.000 Einwohnern"


GEMEINDE_CLASSES = (
    SizeClass("unter-10000", 0, 10_000, _l("unter 10.000 Einwohnern"), _l("Kommunen unter 10.000 Einwohnern"),
              _l("Nutzer unter 10.000 Einwohnern")),
    SizeClass("10000-50000", 10_000, 50_000, _l("mit 10.000 bis 50.000 Einwohnern"),
              _l("Kommunen mit 10.000 bis 50.000 Einwohnern"), _l("Nutzer mit 10.000 bis 50.000 Einwohnern")),
    SizeClass("50000-100000", 50_000, 100_000, _l("mit 50.000 bis 100.000 Einwohnern"),
              _l("Kommunen mit 50.000 bis 100.000 Einwohnern"), _l("Nutzer mit 50.000 bis 100.000 Einwohnern")),
    SizeClass("ueber-100000", 100_000, None, _l("über 100.000 Einwohnern"), _l("Kommunen über 100.000 Einwohnern"),
              _l("Nutzer über 100.000 Einwohnern")),
)
KREISE = SizeClass("kreise", 0, None, _l("Kreise"), _l("Kreise"), _l("Nutzer: Kreise"))
SIZE_CLASSES = (*GEMEINDE_CLASSES, KREISE)
BY_KEY = {c.key: c for c in SIZE_CLASSES}


def ordered_keys(keys: Iterable[str]) -> list[str]:
    """The distinct class keys among ``keys`` in class order."""
    wanted = set(keys)
    return [c.key for c in SIZE_CLASSES if c.key in wanted]


def for_population(population: int | None) -> SizeClass | None:
    """The Gemeinde class of a population figure, or None if it is unknown."""
    return next((c for c in GEMEINDE_CLASSES if c.contains(population)), None)


def _is_kreis(org: Organisation) -> bool:
    return org.kind is OrganisationKind.KREIS or bool(org.kreis_key and not org.municipality_ags)


def for_organisation(org: Organisation) -> SizeClass | None:
    """The class of an owner or adopter: Gemeinden by population, every Kreis in KREISE, else None."""
    if _is_kreis(org):
        return KREISE
    if org.municipality is not None:
        return for_population(org.municipality.population)
    return None


def of_account(user) -> SizeClass | None:
    """The class of the municipality (or Kreis) a member belongs to; None without one."""
    if user is None:
        return None
    if user.organisation is not None:
        return for_organisation(user.organisation)
    return for_population(user.municipality.population) if user.municipality is not None else None


def population_of(org: Organisation) -> int | None:
    """Inhabitants of a registry organisation (Gemeinde or Kreis), None for anything else."""
    place = org.municipality or org.kreis
    return place.population if place is not None else None


@dataclass(frozen=True)
class RunningPlace:
    """An organisation a case runs at: a user (its adoption) or the owner running its own solution."""

    organisation: Organisation
    adoption: Any = None  # the Adoption of a user; None for the owner

    @property
    def is_owner(self) -> bool:
        return self.adoption is None


def running_places(case) -> list[RunningPlace]:
    """Where a case runs, by the one counting rule (kb.models.usage): the owner first while the case
    itself is in pilot or in Betrieb, then every user (pilot, in Betrieb). Interest never counts.
    The size facet of search and browsing, the peers on the case page, "Auf einen Blick" and the
    Steckbrief all read the sizes from here, so they tell the same story."""
    places = [RunningPlace(case.owner)] if case.status in OWNER_RUNS_STATUSES else []
    owner_id = case.owner_id if places else None
    places += [RunningPlace(a.organisation, a) for a in case.adoptions
               if a.status in USE_STATUSES and a.organisation_id != owner_id]
    return places


def peer_places(case) -> list[RunningPlace]:
    """``running_places`` as the peers on a case page and the Steckbrief list them: an owner outside
    the size classes (a Land, an association) is already named as the operator and not listed again."""
    return [p for p in running_places(case) if not p.is_owner or for_organisation(p.organisation) is not None]


def running_classes(case) -> list[SizeClass]:
    """The size classes a case runs in (``running_places``), in class order."""
    found = {for_organisation(place.organisation) for place in running_places(case)}
    return [c for c in SIZE_CLASSES if c in found]


def group(adoptions: Iterable, first: SizeClass | None = None) -> list[tuple[SizeClass | None, list]]:
    """Adoptions (or RunningPlaces: anything with ``organisation``) grouped by their organisation's
    class in class order, ``first`` leading; organisations without a class come last, under None.
    Empty groups are left out."""
    order = [c for c in SIZE_CLASSES if c != first]
    if first is not None:
        order.insert(0, first)
    groups: dict[SizeClass | None, list] = {c: [] for c in order}
    groups[None] = []
    for adoption in adoptions:
        groups[for_organisation(adoption.organisation)].append(adoption)
    return [(c, items) for c, items in groups.items() if items]


def class_key_column():
    """SQL: the size class key of an ``Organisation`` outer-joined to its ``Municipality`` (NULL: none)."""
    kreis = or_(Organisation.kind == OrganisationKind.KREIS,
                and_(Organisation.kreis_key.is_not(None), Organisation.municipality_ags.is_(None)))
    whens = [(kreis, literal(KREISE.key))]
    whens += [(c.population_clause(Municipality.population), literal(c.key)) for c in GEMEINDE_CLASSES]
    return case(*whens, else_=None)


def organisations_in(keys: Iterable[str]):
    """SQL: ids of organisations in any of the size classes ``keys``."""
    return (select(Organisation.id)
            .outerjoin(Municipality, Municipality.ags == Organisation.municipality_ags)
            .where(class_key_column().in_(list(keys))))
