"""A municipality's (or Kreis's) page: what it runs and adopts, as plain values kept per process.

What the page shows of the cases – the cases the place runs, its adoptions of published cases, the
adopters of its cases and the owners of the cases it adopted – is read with Core statements and kept
per process and place (:class:`Activity`) until one of these cases changes: the key of the stored
value is the list of the cases with their page tokens (``generation.case_tokens``). An adoption thus
renews the activity of the adopter and of the owner of the adopted case only, and the cards come from
:func:`cards.card_summaries`. Two statements when nothing changed; four after a change (and the cards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache as built_once

from sqlalchemy import bindparam, select, union_all
from sqlalchemy.orm import Session, aliased

from kb.models import (
    Adoption,
    AdoptionSource,
    AdoptionStatus,
    Kreis,
    Land,
    ModerationState,
    Municipality,
    Organisation,
    UseCase,
)
from kb.services import generation
from kb.services.catalog import geo, regions
from kb.services.catalog.cards import CardSummary, card_summaries
from kb.services.catalog.place_profile import Profile, find_place

PUBLISHED = UseCase.moderation == ModerationState.PUBLISHED


@dataclass(frozen=True, slots=True)
class Place:
    """An organisation as a map point shows it: name, registry key, Land and position."""

    id: int
    name: str
    key: str | None
    land_name: str | None
    coordinates: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class AdoptionEntry:
    """An adoption as the page shows it (the fields its badges, staleness and map point read)."""

    case_id: int
    organisation: Place | None  # the adopter (on the page of the owner; None on the adopter's own)
    status: AdoptionStatus
    source: AdoptionSource
    verified: bool
    note: str | None
    since: str | None
    created_at: datetime | None
    confirmed_at: datetime | None
    owner_confirmed_at: datetime | None
    moderation_confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class OwnedCase:
    """A published case the place runs: its id, contact and adopters (oldest adoption first)."""

    id: int
    contact: dict | None
    adopters: tuple[AdoptionEntry, ...]


@dataclass(frozen=True, slots=True)
class Activity:
    """The place's own published cases (newest first) and its adoptions of published cases (last
    changed first) with the owners of the adopted cases."""

    owned: tuple[OwnedCase, ...]
    adoptions: tuple[AdoptionEntry, ...]
    owners: dict[int, Place]  # by case id


@dataclass(frozen=True, slots=True)
class Adopted:
    """One of the place's adoptions with the card of the adopted case (what the list shows)."""

    adoption: AdoptionEntry
    case: CardSummary

    def __getattr__(self, name: str):
        return getattr(self.adoption, name)


@dataclass
class PlacePage:
    """Everything of a municipality page that comes from the data: the profile (cards and adoptions as
    plain values), the contacts of the cases it runs, the map points."""

    profile: Profile
    contacts: list[tuple[CardSummary, dict]]
    points: list[geo.MapPoint]


def place_page(session: Session, key: str) -> PlacePage | None:
    """The page of the municipality or Kreis with this key, or None if the key is unknown."""
    found = find_place(session, key)
    if found is None:
        return None
    place, org = found
    activity, tokens = activity_of(session, org.id) if org is not None else (Activity((), (), {}), {})
    cards = card_summaries(session, [case.id for case in activity.owned] + [a.case_id for a in activity.adoptions],
                           tokens=tokens)
    owned = [case for case in activity.owned if case.id in cards]
    profile = Profile.of(key, place, org, [cards[case.id] for case in owned],
                         [Adopted(a, cards[a.case_id]) for a in activity.adoptions if a.case_id in cards])
    contacts = [(cards[case.id], contact) for case, contact in regions.contacts(owned)]
    return PlacePage(profile, contacts, _points(org, owned, profile.adopted, activity.owners, cards))


def _points(org: Organisation | None, owned: list[OwnedCase], adopted: list[Adopted], owners: dict[int, Place],
            cards: dict[int, CardSummary]) -> list[geo.MapPoint]:
    """The place itself, the owners of what it adopted, the adopters of what it runs (each once)."""
    if org is None:
        return []
    points = [geo.organisation_point(org, "self", "")]
    seen = {org.id}
    for entry in adopted:
        owner = owners[entry.case.id]
        if owner.id not in seen:
            seen.add(owner.id)
            points.append(_place_point(owner, "owner", entry.case.title))
    for case in owned:
        for adoption in case.adopters:
            if adoption.organisation.id not in seen:
                seen.add(adoption.organisation.id)
                point = geo.adopter_point(adoption, _place_point(adoption.organisation, "adopter", ""))
                point.detail = f"{cards[case.id].title}: {point.detail}"
                points.append(point)
    return points


def _place_point(place: Place, role: str, detail: str) -> geo.MapPoint:
    return geo.place_point(place.name, place.key, place.land_name, place.coordinates, role, detail)


def activity_of(session: Session, org_id: int) -> tuple[Activity, dict[int, str]]:
    """The activity of the organisation and the tokens of its cases, kept per process until one of
    these cases changes (two statements: the ids of its cases, their tokens; two more to read it anew)."""
    ids = sorted(set(session.connection().execute(_statements().ids, {"org": org_id}).scalars()))
    tokens = generation.case_tokens(session, ids)
    token = "|".join(f"{i}:{tokens[i]}" for i in ids)
    return generation.cache.get(session, ("place_activity", org_id), lambda: _read_activity(session, org_id),
                                token=token), tokens


def _read_activity(session: Session, org_id: int) -> Activity:
    connection, statements = session.connection(), _statements()
    owned: dict[int, tuple] = {}  # case id → (published, contact, adopters), in the order of the ids
    for row in connection.execute(statements.owned, {"org": org_id}):
        _published, _contact, adopters = owned.setdefault(row.id, (row.published_at, row.contact, []))
        if row.org_id is not None:
            adopters.append(_adoption(row, _place(row)))
    # newest first; ties keep the order of the ids (as the ORM's sort did)
    newest = sorted(owned.items(), key=lambda item: item[1][0], reverse=True)
    adoptions, owners = [], {}
    for row in connection.execute(statements.adoptions, {"org": org_id}):
        adoptions.append(_adoption(row, None))
        owners[row.case_id] = _place(row)
    return Activity(tuple(OwnedCase(case_id, contact, tuple(adopters))
                          for case_id, (_published, contact, adopters) in newest), tuple(adoptions), owners)


def _adoption(row, organisation: Place | None) -> AdoptionEntry:
    return AdoptionEntry(row.case_id, organisation, row.status, row.source, bool(row.verified), row.note,
                         row.since, row.created_at, row.confirmed_at, row.owner_confirmed_at,
                         row.moderation_confirmed_at)


def _place(row) -> Place:
    """An organisation's place from the columns of :func:`_with_place` (``Organisation.coordinates``:
    the position of its municipality, else of its Kreis, else of the Kreis it lies in)."""
    for ident, lat, lon in ((row.org_ags, row.m_lat, row.m_lon), (row.org_kreis, row.k_lat, row.k_lon),
                            (row.org_region, row.r_lat, row.r_lon)):
        if ident is not None:
            coordinates = (lat, lon) if lat is not None and lon is not None else None
            break
    else:
        coordinates = None
    return Place(row.org_id, row.org_name, row.org_ags or row.org_kreis, row.land_name, coordinates)


class _Statements:
    """The statements of the activity (parameter ``org``), built once per process."""

    def __init__(self) -> None:
        #: the ids of the cases the organisation runs or has adopted (published ones)
        self.ids = union_all(
            select(UseCase.id).where(UseCase.owner_id == bindparam("org"), PUBLISHED),
            select(Adoption.case_id).join(UseCase, UseCase.id == Adoption.case_id)
            .where(Adoption.organisation_id == bindparam("org"), PUBLISHED))
        #: the cases it runs, each with its adopters (oldest first) and their places, or once without
        self.owned = _with_place(
            select(UseCase.id, UseCase.contact, UseCase.published_at, *_ADOPTION_COLUMNS)
            .outerjoin(Adoption, Adoption.case_id == UseCase.id), Adoption.organisation_id
        ).where(UseCase.owner_id == bindparam("org"), PUBLISHED).order_by(
            UseCase.id, Adoption.created_at, Adoption.id)
        #: its adoptions of published cases (last changed first) with the owners' places
        self.adoptions = _with_place(
            select(*_ADOPTION_COLUMNS).join(UseCase, UseCase.id == Adoption.case_id), UseCase.owner_id
        ).where(Adoption.organisation_id == bindparam("org"), PUBLISHED).order_by(
            Adoption.updated_at.desc(), Adoption.id)  # adoptions imported together tie on the time


_statements = built_once(_Statements)

_MUNICIPALITY, _KREIS, _REGION = aliased(Municipality), aliased(Kreis), aliased(Kreis)
_ADOPTION_COLUMNS = (Adoption.case_id, Adoption.status, Adoption.source, Adoption.verified, Adoption.note,
                     Adoption.since, Adoption.created_at, Adoption.confirmed_at, Adoption.owner_confirmed_at,
                     Adoption.moderation_confirmed_at)


def _with_place(stmt, organisation_id):
    """Add the columns of the organisation ``organisation_id`` refers to (if any), with its Land and places."""
    return (
        stmt.add_columns(Organisation.id.label("org_id"), Organisation.name.label("org_name"),
                         Organisation.municipality_ags.label("org_ags"), Organisation.kreis_key.label("org_kreis"),
                         Organisation.region_key.label("org_region"), Land.name.label("land_name"),
                         _MUNICIPALITY.lat.label("m_lat"), _MUNICIPALITY.lon.label("m_lon"),
                         _KREIS.lat.label("k_lat"), _KREIS.lon.label("k_lon"),
                         _REGION.lat.label("r_lat"), _REGION.lon.label("r_lon"))
        .outerjoin(Organisation, Organisation.id == organisation_id)
        .outerjoin(Land, Land.code == Organisation.land_code)
        .outerjoin(_MUNICIPALITY, _MUNICIPALITY.ags == Organisation.municipality_ags)
        .outerjoin(_KREIS, _KREIS.key == Organisation.kreis_key)
        .outerjoin(_REGION, _REGION.key == Organisation.region_key)
    )

