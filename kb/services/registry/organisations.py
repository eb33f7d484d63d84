"""Find or create the organisation behind an owner or adopter."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from kb.models import Kreis, Municipality, Organisation, OrganisationKind
from kb.services.registry.names import RegistryEntry

ROWS = "kb_registry_rows"
_UNKNOWN = object()


# Words that mark an owner outside Germany, a company, an association or a research body.
FOREIGN_PREFIXES = ("gemeente ", "comune ", "città ", "citta ", "ville ", "commune ", "city of ",
                    "municipality of ", "kommune ", "stad ", "regione ", "provincia ", "azienda ",
                    "ayuntamiento ", "concello ", "gmina ", "miasto ", "mairie ", "canton ")
COMPANY_MARKERS = (" gmbh", " ag", " s.r.l.", " srl", " s.p.a.", " spa", " b.v.", " bv", " ltd",
                   " inc", " se", " kg", " ug")
ASSOCIATION_MARKERS = (" e.v.", " ev", "verband", "verein", "stiftung", "foundation")
RESEARCH_MARKERS = ("universität", "hochschule", "fraunhofer", "university", "institut")


def organisation_kind(name: str, foreign: bool = False) -> str:
    """Guess the kind of a named owner from its name (import format ``organisation.kind``)."""
    folded = f" {name.casefold().strip()}"
    if foreign or folded.lstrip().startswith(FOREIGN_PREFIXES):
        return "ausland"
    if folded.endswith(COMPANY_MARKERS):
        return "unternehmen"
    if any(marker in folded for marker in ASSOCIATION_MARKERS):
        return "verband"
    if any(marker in folded for marker in RESEARCH_MARKERS):
        return "forschung"
    return "sonstige"


def name_key(name: str) -> str:
    """Normalise an organisation name for uniqueness ("Civitas Connect e.V." → "civitas connect e v")."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = folded.replace("ß", "ss")
    return re.sub(r"[^\w]+", " ", folded).strip()


def _transaction_cache(session: Session, name: str = "kb_org_cache") -> dict:
    """Return a lookup cache that lives as long as the session's current transaction.

    The default cache maps lookup keys to organisations (``None``: known not to exist); the
    ``ROWS`` cache keeps prefetched registry rows alive in the session's (weak) identity map.
    """
    real = session() if isinstance(session, scoped_session) else session
    transaction = real.get_transaction()
    holder = session.info.get(name)
    if holder is None or holder[0] is not transaction:
        holder = (transaction, {})
        session.info[name] = holder
    return holder[1]


def _get_or_add(session: Session, lookup_key: str, **fields) -> Organisation:
    org = _stored(session, lookup_key)
    if org is None:
        org = Organisation(lookup_key=lookup_key, **fields)
        session.add(org)
        _transaction_cache(session)[lookup_key] = org
    return org


def _stored(session: Session, lookup_key: str) -> Organisation | None:
    """The organisation with this lookup key, None if there is none (remembered for the transaction; the
    registry row behind it is needed only to create one)."""
    cache = _transaction_cache(session)
    org = cache.get(lookup_key, _UNKNOWN)
    if org is _UNKNOWN:  # None: known not to exist (prefetch)
        with session.no_autoflush:
            org = session.scalar(select(Organisation).where(Organisation.lookup_key == lookup_key))
        cache[lookup_key] = org
    return org


def prefetch(session: Session, entries: Iterable[RegistryEntry], names: Iterable[str] = ()) -> None:
    """Load the registry rows and organisations behind many entries and names in a few queries.

    For bulk imports: the lookups of ``for_entry``/``named`` then need no query of their own for
    the rest of the transaction.
    """
    rows = _transaction_cache(session, ROWS)
    cache = _transaction_cache(session)  # keys prefetched before (an import's earlier blocks) are skipped
    entries = list(entries)
    ags = sorted({e.key for e in entries if e.kind == "gemeinde" and f"ags:{e.key}" not in cache})
    kreise = sorted({e.key for e in entries if e.kind != "gemeinde" and f"kreis:{e.key}" not in cache})
    keys = [f"ags:{a}" for a in ags] + [f"kreis:{k}" for k in kreise]
    keys += sorted({f"name:{name_key(n)}" for n in names} - cache.keys())
    with session.no_autoflush:
        for model, column, values in ((Municipality, Municipality.ags, ags), (Kreis, Kreis.key, kreise)):
            for chunk in _chunks(values):
                rows.update((id(row), row) for row in session.scalars(select(model).where(column.in_(chunk))))
        for chunk in _chunks(keys):
            cache.update(dict.fromkeys(chunk))
            cache.update((o.lookup_key, o) for o in session.scalars(
                select(Organisation).where(Organisation.lookup_key.in_(chunk))))


def _chunks(values: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def for_municipality(session: Session, municipality: Municipality) -> Organisation:
    """Return the organisation of a Gemeinde (created on first use)."""
    return _get_or_add(
        session,
        f"ags:{municipality.ags}",
        kind=OrganisationKind.GEMEINDE,
        name=municipality.display_name,
        municipality_ags=municipality.ags,
        land_code=municipality.land_code,
    )


def for_kreis(session: Session, kreis: Kreis) -> Organisation:
    """Return the organisation of a Kreis (created on first use)."""
    return _get_or_add(
        session,
        f"kreis:{kreis.key}",
        kind=OrganisationKind.KREIS,
        name=kreis.display_name,
        kreis_key=kreis.key,
        land_code=kreis.land_code,
    )


def for_entry(session: Session, entry: RegistryEntry) -> Organisation:
    """Return the organisation for a resolved registry entry (remembered for the transaction: a bulk
    import names the same places many times)."""
    cache = _transaction_cache(session, "kb_org_entries")
    org = cache.get((entry.kind, entry.key))
    if org is None:
        municipal = entry.kind == "gemeinde"
        org = _stored(session, f"{'ags' if municipal else 'kreis'}:{entry.key}")
        if org is None and municipal:
            org = for_municipality(session, session.get(Municipality, entry.key))
        elif org is None:
            org = for_kreis(session, session.get(Kreis, entry.key))
        cache[entry.kind, entry.key] = org
    return org


def for_key(session: Session, key: str) -> Organisation | None:
    """Return the organisation for an AGS or Kreis key, or None if the key is unknown."""
    if len(key) == 8 and (m := session.get(Municipality, key)) is not None:
        return for_municipality(session, m)
    if len(key) == 5 and (k := session.get(Kreis, key)) is not None:
        return for_kreis(session, k)
    return None


def named(
    session: Session,
    name: str,
    uri: str | None = None,
    kind: OrganisationKind = OrganisationKind.SONSTIGE,
    land_code: str | None = None,
    region_key: str | None = None,
) -> Organisation:
    """Return a named organisation outside the registry; fill in a missing URI, Kreis and kind."""
    org = _get_or_add(
        session, f"name:{name_key(name)}", kind=kind, name=name.strip(), uri=uri, land_code=land_code,
        region_key=region_key,
    )
    if uri and not org.uri:
        org.uri = uri
    if region_key and not org.region_key:
        org.region_key, org.land_code = region_key, org.land_code or land_code
    if kind is not OrganisationKind.SONSTIGE and org.kind is OrganisationKind.SONSTIGE:
        org.kind = kind
    return org
