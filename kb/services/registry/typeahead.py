"""Municipality input as people type it: type-ahead suggestions and picked values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Land
from kb.services.registry.gazetteer import get_resolver
from kb.services.registry.names import NameResolutionError, RegistryEntry

_PICKED_KEY = re.compile(r"\((\d{8}|\d{5})\)\s*$")


@dataclass(frozen=True)
class Suggestion:
    """One type-ahead entry: ``value`` goes into the field, ``label`` explains it."""

    key: str
    name: str
    value: str
    label: str


def picked_value(entry: RegistryEntry) -> str:
    """The text a suggestion puts into the field: "Leipzig (14713000)"."""
    return f"{entry.display_name} ({entry.key})"


def normalise_input(text: str | None) -> str:
    """Turn a picked suggestion back into its key; leave typed names alone."""
    text = (text or "").strip()
    match = _PICKED_KEY.search(text)
    return match.group(1) if match else text


def suggest(prefix: str, limit: int = 10) -> list[Suggestion]:
    """Return registry entries starting with ``prefix`` (at least two characters)."""
    prefix = (prefix or "").strip()[:100]
    if len(prefix) < 2:
        return []
    try:
        entries = get_resolver().complete(prefix, limit=limit)
    except NameResolutionError:
        return []
    return [Suggestion(e.key, e.display_name, picked_value(e), describe(e)) for e in entries]


def describe(entry: RegistryEntry) -> str:
    """"Leipzig – Sachsen" / "Leipheim – Landkreis Günzburg, Bayern"."""
    kreise = getattr(get_resolver(), "_kreis_display", {})
    kreis = kreise.get(entry.kreis_key or "") if entry.kind == "gemeinde" else None
    if kreis == entry.display_name:
        kreis = None
    parts = [p for p in (kreis, entry.land) if p]
    return f"{entry.display_name} – {', '.join(parts)}" if parts else entry.display_name


def label_for_key(key: str | None) -> str | None:
    """Return "Leipzig (14713000)" for a registry key, or None if unknown."""
    entry = get_resolver().lookup(key) if key else None
    return picked_value(entry) if entry is not None else None


def land_choices(session: Session) -> list[tuple[str, str]]:
    """(value, label) pairs of the Länder for a select, alphabetical."""
    return [(name, name) for name in session.scalars(select(Land.name).order_by(Land.name))]
