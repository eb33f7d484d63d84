"""Who else wants the same: the municipalities interested in a case or sharing a need.

Shown grouped by Land and by size, the starting point for a joint procurement. Interest in a
case is an adoption with status ``interessiert`` – demand, never counted as use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from kb.models import (
    Adoption,
    AdoptionProposal,
    AdoptionStatus,
    Need,
    Organisation,
    OrganisationKind,
    UseCase,
    User,
    labels,
)
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.adoptions.declarations import organisation_of

#: size classes of the pool view (inhabitants; Kreise and bodies outside the registry apart)
SIZE_CLASSES = (
    ("unter-10000", _l("unter 10.000 Einwohner"), 0, 10_000),
    ("10000-50000", _l("10.000 bis 50.000 Einwohner"), 10_000, 50_000),
    ("50000-100000", _l("50.000 bis 100.000 Einwohner"), 50_000, 100_000),
    ("ab-100000", _l("über 100.000 Einwohner"), 100_000, None),
)


@dataclass
class PoolMember:
    """One interested organisation."""

    organisation: Organisation
    since: datetime | None
    is_author: bool = False


@dataclass
class SizeGroup:
    label: str
    members: list[PoolMember]


@dataclass
class LandGroup:
    land: str
    sizes: list[SizeGroup]

    @property
    def count(self) -> int:
        return sum(len(s.members) for s in self.sizes)


def size_label(org: Organisation) -> str:
    """The size class of an organisation ("unter 10.000 Einwohner", "Kreise", …)."""
    if org.kind is OrganisationKind.KREIS:
        return str(_l("Kreise"))
    place = org.municipality
    population = place.population if place is not None else None
    if population is None:
        return str(_l("Größe nicht angegeben")) if org.in_registry else str(_l("Andere Stellen"))
    for _key, label, lower, upper in SIZE_CLASSES:
        if population >= lower and (upper is None or population < upper):
            return str(label)
    return str(_l("Größe nicht angegeben"))


def _size_order(label: str) -> int:
    order = [str(label) for _k, label, _lo, _up in SIZE_CLASSES] + [str(_l("Kreise"))]
    return order.index(label) if label in order else len(order)


def grouped(members: list[PoolMember]) -> list[LandGroup]:
    """Members by Land (alphabetically), inside by size class (smallest first)."""
    by_land: dict[str, dict[str, list[PoolMember]]] = defaultdict(lambda: defaultdict(list))
    for member in members:
        org = member.organisation
        land = org.land.name if org.land is not None else _("ohne Bundesland")
        by_land[land][size_label(org)].append(member)
    return [LandGroup(land, [SizeGroup(size, sorted(items, key=lambda m: m.organisation.name))
                             for size, items in sorted(sizes.items(), key=lambda kv: _size_order(kv[0]))])
            for land, sizes in sorted(by_land.items())]


def case_pool(case: UseCase) -> list[PoolMember]:
    """The municipalities interested in a case (adoptions with status ``interessiert``)."""
    return [PoolMember(a.organisation, a.created_at) for a in case.adoptions
            if a.status is AdoptionStatus.INTERESSIERT]


def need_pool(need: Need) -> list[PoolMember]:
    """The municipality that posted a need and every one that joined it."""
    return [PoolMember(need.organisation, need.published_at or need.created_at, is_author=True)] + [
        PoolMember(m.organisation, m.created_at) for m in need.members]


def own_adoption(session: Session, case: UseCase, user: User | None) -> Adoption | None:
    org = organisation_of(session, user)
    return adoptions.find(session, case, org) if org is not None and org.id is not None else None


def in_case_pool(session: Session, case: UseCase, user: User | None) -> bool:
    own = own_adoption(session, case, user)
    return own is not None and own.status is AdoptionStatus.INTERESSIERT


def join_case_blocker(session: Session, case: UseCase, user: User | None) -> str | None:
    """Why the user's municipality cannot join the interest pool of a case, or None."""
    blocker = adoptions.declare_blocker(session, case, user)
    if blocker:
        return blocker
    own = own_adoption(session, case, user)
    if own is not None and own.status in (AdoptionStatus.PILOT, AdoptionStatus.IN_BETRIEB):
        return _("%(org)s nutzt die Lösung bereits (%(status)s).", org=own.organisation.name,
                 status=labels.label(labels.ADOPTION_STATUS, own.status))
    return None


def join_case(session: Session, case: UseCase, *, actor: User) -> Adoption | AdoptionProposal:
    """Declare interest in a case for the actor's municipality ("Mitmachen"); commits. A member whose
    membership is not confirmed only proposes it (held for moderation, like every declaration)."""
    blocker = join_case_blocker(session, case, actor)
    if blocker:
        raise adoptions.AdoptionNotAllowed(blocker)
    own = own_adoption(session, case, actor)
    note = own.note if own is not None else None
    return adoption_proposals.submit_declaration(session, case=case, actor=actor,
                                                 status=AdoptionStatus.INTERESSIERT.value, note=note)


def member_of_need(session: Session, need: Need, user: User | None) -> bool:
    org = organisation_of(session, user)
    if org is None or org.id is None:
        return False
    return need.organisation_id == org.id or any(m.organisation_id == org.id for m in need.members)
