"""A municipality's or Kreis's profile: the place, its organisation, the cases it runs and adopts.

The API's ``/api/v1/municipalities/<key>`` answers from :func:`profile` (ORM objects); the web page
reads the same facts as plain values kept per process (:mod:`kb.services.catalog.place_page`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache as built_once

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from kb.models import Adoption, Kreis, Land, ModerationState, Municipality, Organisation, UseCase, usage
from kb.services.catalog.cards import CARD_COLUMNS


@dataclass
class Profile:
    """A registry entity with what it runs and what it adopted."""

    key: str
    name: str
    kind: str  # gemeinde | kreis
    municipality: Municipality | None
    kreis: Kreis | None
    land: Land
    organisation: Organisation | None
    owned: list[UseCase]
    adopted: list[Adoption]  # uses only (pilot, in_betrieb): kb.models.usage
    interested: list[Adoption] = field(default_factory=list)
    former: list[Adoption] = field(default_factory=list)

    @classmethod
    def of(cls, key: str, place: Municipality | Kreis, org: Organisation | None, owned: list,
           adoptions: list) -> Profile:
        """The profile of a municipality or Kreis with what it runs and its adoptions, split by use
        (``adoptions``: anything with a ``status``)."""
        adopted, interested, former = usage.split(adoptions)
        if isinstance(place, Municipality):
            return cls(key, place.display_name, "gemeinde", place, place.kreis, place.land, org, owned, adopted,
                       interested, former)
        return cls(key, place.display_name, "kreis", None, place, place.land, org, owned, adopted, interested,
                   former)


def profile(session: Session, key: str, adopted_usage: bool = True) -> Profile | None:
    """Return the profile for an AGS or Kreis key, or None if the key is unknown; without
    ``adopted_usage`` the usage of the adopted cases is not loaded (a page that does not show it)."""
    found = find_place(session, key)
    if found is None:
        return None
    place, org = found
    return Profile.of(key, place, org, *_activity(session, org, adopted_usage))


def find_place(session: Session, key: str) -> tuple[Municipality | Kreis, Organisation | None] | None:
    """The municipality (with Land and Kreis) or Kreis (with Land) with this key and its organisation,
    or None if the key is unknown (two statements)."""
    found = _PLACES.get(len(key))
    place = session.scalar(found[0], {"key": key}) if found else None
    if place is None:
        return None
    return place, session.scalar(found[1], {"key": key})


#: by the length of the key (AGS or Kreis key): the place with its Land (and Kreis), and its organisation
_PLACES = {
    8: (select(Municipality).where(Municipality.ags == bindparam("key")).options(
        joinedload(Municipality.land), joinedload(Municipality.kreis)),
        select(Organisation).where(Organisation.municipality_ags == bindparam("key")).limit(1)),
    5: (select(Kreis).where(Kreis.key == bindparam("key")).options(joinedload(Kreis.land)),
        select(Organisation).where(Organisation.kreis_key == bindparam("key")).limit(1)),
}


def _place_options(relationship):
    """An organisation with what a map point and an owner line show: its place and Land."""
    return relationship.options(joinedload(Organisation.municipality), joinedload(Organisation.kreis),
                                joinedload(Organisation.land))


def _activity(session: Session, org: Organisation | None,
              adopted_usage: bool = True) -> tuple[list[UseCase], list[Adoption]]:
    """The published cases ``org`` runs (as cards with contact and adopters on the map) and its
    adoptions of published cases (as cards, with the owners on the map; their usage if
    ``adopted_usage``): five or four statements."""
    if org is None:
        return [], []
    owned_stmt, adopted_stmt = _activity_statements(adopted_usage)
    # sorted here: ordered by SQLite, it would walk every published case's date
    owned = sorted(session.scalars(owned_stmt, {"org": org.id}), key=lambda case: case.published_at, reverse=True)
    adopted = list(session.scalars(adopted_stmt, {"org": org.id}))
    return owned, adopted


@built_once
def _activity_statements(adopted_usage: bool) -> tuple[Select, Select]:
    """The two statements of :func:`_activity` (parameter ``org``), built once per process."""
    owned = select(UseCase).where(UseCase.moderation == ModerationState.PUBLISHED,
                                  UseCase.owner_id == bindparam("org")).options(
        load_only(*CARD_COLUMNS, UseCase.contact), selectinload(UseCase.topics),
        _place_options(joinedload(UseCase.owner, innerjoin=True)),
        _place_options(selectinload(UseCase.adoptions).joinedload(Adoption.organisation, innerjoin=True)))
    case_options = [load_only(*CARD_COLUMNS), selectinload(UseCase.topics),
                    _place_options(joinedload(UseCase.owner, innerjoin=True))]
    if adopted_usage:
        case_options.append(selectinload(UseCase.adoptions).load_only(Adoption.status, Adoption.case_id))
    adopted = (
        select(Adoption)
        .join(UseCase, UseCase.id == Adoption.case_id)
        .where(Adoption.organisation_id == bindparam("org"), UseCase.moderation == ModerationState.PUBLISHED)
        .options(joinedload(Adoption.case, innerjoin=True).options(*case_options))
        .order_by(Adoption.updated_at.desc(), Adoption.id)  # adoptions imported together tie on the time
    )
    return owned, adopted
