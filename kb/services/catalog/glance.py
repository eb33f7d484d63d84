""""Auf einen Blick": the facts that decide whether a case fits, in one fixed order.

The case page shows them in a box under the title; the compare view and the Steckbrief (issue 13,
part 2) take the same ``Glance`` and ``FACTS``, so they can never disagree. A fact that is missing
stays in the list and says so ("nicht angegeben – beim Betreiber erfragen"); it never disappears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from kb.models import Adoption, Organisation, ReusePath, ReusePathKind, UseCase, size_classes
from kb.models.usage import Usage

#: (key, label) of every fact, in the order every view shows them
FACTS = (
    ("owner", _l("Betrieben von")),
    ("status", _l("Stand")),
    ("usage", _l("Nutzung")),
    ("costs", _l("Kosten")),
    ("license", _l("Lizenz / Open Source")),
    ("operation", _l("Betrieb")),
    ("reuse_path", _l("Wie kommt man dran?")),
    ("contact", _l("Kontakt")),
)
MISSING = _l("nicht angegeben – beim Betreiber erfragen")


@dataclass
class Glance:
    """The facts of one case for "Auf einen Blick"."""

    case: UseCase
    owner: Organisation
    owner_population: int | None
    usage: Usage
    reuse_paths: list[ReusePath] = field(default_factory=list)
    #: the size classes it runs in – users and the owner running it (the size facet's and the peers' rule)
    running_classes: list[size_classes.SizeClass] = field(default_factory=list)

    @property
    def has_costs(self) -> bool:
        c = self.case
        return c.costs_once_eur is not None or c.costs_yearly_eur is not None or bool(c.costs)

    @property
    def open_source(self) -> bool:
        """True if the case names open source as a way to get it."""
        return any(p.kind is ReusePathKind.OPEN_SOURCE for p in self.reuse_paths)

    @property
    def has_license(self) -> bool:
        return bool(self.case.license) or self.open_source

    @property
    def has_operation(self) -> bool:
        return bool(self.case.operator_kind or self.case.operator_name or self.case.hosting)

    @property
    def contact(self) -> dict[str, Any] | None:
        return self.case.contact or None

    def missing(self) -> list[str]:
        """Keys of the facts nobody has given yet."""
        given = {"costs": self.has_costs, "license": self.has_license, "operation": self.has_operation,
                 "reuse_path": bool(self.reuse_paths), "contact": bool(self.contact)}
        return [key for key, _label in FACTS if not given.get(key, True)]


def population_of(org: Organisation) -> int | None:
    """Inhabitants of an owner from the registry (its municipality or Kreis), None if unknown."""
    place = org.municipality or org.kreis
    return place.population if place is not None else None


def glance(case: UseCase) -> Glance:
    """Collect the facts of a case (owner with its place, adoptions and reuse paths loaded)."""
    return Glance(case=case, owner=case.owner, owner_population=population_of(case.owner), usage=case.usage,
                  reuse_paths=list(case.reuse_paths), running_classes=size_classes.running_classes(case))


def loader_options():
    """Loader options for showing the facts of several cases (compare view, Steckbrief)."""
    place = (joinedload(Organisation.municipality), joinedload(Organisation.kreis), joinedload(Organisation.land))
    return (
        joinedload(UseCase.owner, innerjoin=True).options(*place),
        selectinload(UseCase.adoptions).joinedload(Adoption.organisation, innerjoin=True).options(*place),
        selectinload(UseCase.reuse_paths),
    )
