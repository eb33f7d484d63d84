"""Kreis and Land pages: the activity of all their municipalities, aggregated."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from kb.models import Adoption, Kreis, Land, ModerationState, Municipality, Organisation, UseCase, usage
from kb.services.catalog.listing import case_list_options

PUBLISHED = UseCase.moderation == ModerationState.PUBLISHED


def land_slug(name: str) -> str:
    """"Baden-Württemberg" → "baden-wuerttemberg" (for /laender/<slug>)."""
    text = name.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def find_land(session: Session, ident: str) -> Land | None:
    """Find a Land by its two-digit code, its slug or its name."""
    if ident.isdigit():
        return session.get(Land, ident.zfill(2))
    wanted = land_slug(ident)
    return next((land for land in session.scalars(select(Land)) if land_slug(land.name) == wanted), None)


@dataclass
class PlaceActivity:
    """One municipality (or Kreis) of a region with what it runs and adopts."""

    organisation: Organisation
    runs: int = 0
    adopts: int = 0


@dataclass
class RegionProfile:
    """Everything published that happens inside a Kreis or a Land."""

    name: str
    kind: str  # kreis | land
    land: Land
    kreis: Kreis | None
    owned: list[UseCase] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)
    places: list[PlaceActivity] = field(default_factory=list)
    kreise: list[tuple[Kreis, int, int]] = field(default_factory=list)

    @property
    def municipality_count(self) -> int:
        return len(self.places)


def kreis_profile(session: Session, key: str) -> RegionProfile | None:
    """Return the activity of a Kreis and all its Gemeinden, or None for an unknown key."""
    kreis = session.get(Kreis, key)
    if kreis is None:
        return None
    orgs = select(Organisation.id).where(or_(
        Organisation.kreis_key == key,
        Organisation.region_key == key,
        Organisation.municipality_ags.in_(select(Municipality.ags).where(Municipality.kreis_key == key)),
    ))
    profile = RegionProfile(kreis.display_name, "kreis", kreis.land, kreis)
    _fill(session, profile, orgs)
    return profile


def land_profile(session: Session, land: Land) -> RegionProfile:
    """Return the activity of every organisation of a Land."""
    orgs = select(Organisation.id).where(Organisation.land_code == land.code)
    profile = RegionProfile(land.name, "land", land, None)
    _fill(session, profile, orgs)
    per_kreis: dict[str, list[int]] = {}
    for place in profile.places:
        org = place.organisation
        kreis_key = org.kreis_key or (org.municipality.kreis_key if org.municipality else None) or org.region_key
        if kreis_key:
            totals = per_kreis.setdefault(kreis_key, [0, 0])
            totals[0] += place.runs
            totals[1] += place.adopts
    kreise = {k.key: k for k in session.scalars(select(Kreis).where(Kreis.key.in_(per_kreis)))}
    profile.kreise = sorted(((kreise[k], r, a) for k, (r, a) in per_kreis.items()),
                            key=lambda row: (-(row[1] + row[2]), row[0].display_name))
    return profile


def _fill(session: Session, profile: RegionProfile, org_ids) -> None:
    profile.owned = list(session.scalars(
        select(UseCase).where(PUBLISHED, UseCase.owner_id.in_(org_ids))
        .options(*case_list_options()).order_by(UseCase.published_at.desc())
    ))
    profile.adoptions = list(session.scalars(
        select(Adoption).join(UseCase, UseCase.id == Adoption.case_id)
        .where(PUBLISHED, Adoption.organisation_id.in_(org_ids), usage.uses_clause())
        .options(selectinload(Adoption.case).options(*case_list_options()),
                 selectinload(Adoption.organisation).selectinload(Organisation.municipality))
        .order_by(Adoption.updated_at.desc())
    ))
    runs = Counter(case.owner_id for case in profile.owned)
    adopts = Counter(a.organisation_id for a in profile.adoptions)
    orgs = {case.owner.id: case.owner for case in profile.owned}
    orgs.update({a.organisation.id: a.organisation for a in profile.adoptions})
    profile.places = sorted(
        (PlaceActivity(org, runs[org_id], adopts[org_id]) for org_id, org in orgs.items()),
        key=lambda p: (-(p.runs + p.adopts), p.organisation.name),
    )


def contacts(cases: list[UseCase]) -> list[tuple[UseCase, dict]]:
    """The contacts named in the cases, one entry per distinct contact."""
    seen: set[tuple] = set()
    found = []
    for case in cases:
        contact = case.contact or {}
        if not contact.get("name"):
            continue
        ident = (contact.get("name"), contact.get("email"), contact.get("phone"))
        if ident not in seen:
            seen.add(ident)
            found.append((case, contact))
    return found
