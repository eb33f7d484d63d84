"""Adopter names as real usedBy lists write them: explicit Länder, typos of the type word, qualifiers, Ämter.

:func:`resolve_adopter` resolves one adopter name (kb.services.registry.names) with these rules:

* A Land given with the name is the only one tried: "Neustadt" in Sachsen never becomes
  Neustadt (Dosse) in the owner's Brandenburg. Without a Land the owner's Land is tried first,
  then all of Germany.
* If the name as written matches nothing, an obvious typo of the type word ("Gemeine
  Birkenwerder" → "Gemeinde Birkenwerder") and a parenthesised qualifier that is not part of the
  name ("Bremen (MeinQuartier)" → "Bremen") are tried — each match comes with a warning.
* An Amt, a Verbands- or Samtgemeinde (and the like) is no Gemeinde of the registry: it stays an
  organisation of its own, linked to the Kreis of its namesake member Gemeinde ("Amt Beetzsee" →
  Beetzsee → Landkreis Potsdam-Mittelmark), so it shows on maps and Kreis pages.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from kb.services.registry.names import NameResolutionError, NameResolver, RegistryEntry

TYPE_WORDS = ("Gemeinde", "Stadt", "Landkreis", "Kreis", "Markt", "Hansestadt", "Landeshauptstadt")
ASSOCIATION_WORDS = ("Amt", "Verbandsgemeinde", "Samtgemeinde", "Verwaltungsgemeinschaft", "Verwaltungsverband",
                     "Gemeindeverwaltungsverband")
QUALIFIER = re.compile(r"\s*\(([^)]*)\)\s*")

Resolve = Callable[[str, str | None], RegistryEntry]


@dataclass
class AdopterMatch:
    """What an adopter name stands for: a registry entry, or a named body (maybe linked to its Kreis)."""

    entry: RegistryEntry | None = None
    warning: str | None = None
    land_code: str | None = None  # for a named body: the Land it belongs to, when known
    kreis_key: str | None = None  # for a Gemeindeverband: the Kreis it lies in
    is_association: bool = False


def resolve_adopter(resolver: NameResolver, name: str, state: str | None, owner_land: str | None,
                    resolve: Resolve | None = None) -> AdopterMatch:
    """Resolve an adopter name (see the module docstring); never raises for an unknown name."""
    resolve = resolve or (lambda text, hint: resolver.resolve(text, state=hint))
    name = " ".join(name.split())
    land_code = resolver.resolve_state(state)[0] if state else None
    hints: list[str | None] = [state] if state else list(dict.fromkeys([owner_land, None]))
    error: NameResolutionError | None = None
    for hint in hints:
        try:
            return AdopterMatch(entry=resolve(name, hint))
        except NameResolutionError as exc:
            error = error or exc
    for variant, warning in _variants(name):
        for hint in hints:
            try:
                entry = resolve(variant, hint)
            except NameResolutionError:
                continue
            return AdopterMatch(entry=entry, warning=_("„%(name)s“ als „%(variant)s“ gelesen, %(place)s: %(why)s",
                                                       name=name, variant=variant, place=resolver.describe(entry),
                                                       why=warning))
    association = _association(resolver, name, hints, resolve)
    if association is not None:
        return association
    return AdopterMatch(land_code=land_code, warning=_(
        "„%(name)s“ ließ sich keinem Eintrag im Gemeindeverzeichnis zuordnen (%(reason)s); als benannte "
        "Organisation übernommen.", name=name, reason=str(error)))


def _variants(name: str) -> list[tuple[str, str]]:
    """Other readings of a name that matched nothing, each with the reason shown to people."""
    variants = []
    first, _space, rest = name.partition(" ")
    if rest and first.casefold() not in (w.casefold() for w in (*TYPE_WORDS, *ASSOCIATION_WORDS)):
        close = difflib.get_close_matches(first.casefold(), [w.casefold() for w in TYPE_WORDS], n=1, cutoff=0.8)
        if close:
            word = next(w for w in TYPE_WORDS if w.casefold() == close[0])
            variants.append((f"{word} {rest}", _("Tippfehler im Wort „%(word)s“ angenommen.", word=word)))
    qualifiers = QUALIFIER.findall(name)
    if qualifiers:
        bare = QUALIFIER.sub(" ", name).strip()
        if bare:
            variants.append((bare, _("der Zusatz „%(qualifier)s“ ist kein Teil des Ortsnamens.",
                                     qualifier=", ".join(qualifiers))))
    return variants


def _association(resolver: NameResolver, name: str, hints: list[str | None], resolve: Resolve) -> AdopterMatch | None:
    """An Amt, Verbands- or Samtgemeinde: linked to the Kreis of the member Gemeinde it is named after."""
    first, _space, rest = name.partition(" ")
    if not rest or first.casefold() not in (w.casefold() for w in ASSOCIATION_WORDS):
        return None
    for hint in hints:
        try:
            member = resolve(rest, hint)
        except NameResolutionError:
            continue
        if member.kind != "gemeinde" or not member.kreis_key:
            continue
        kreis = resolver.lookup(member.kreis_key)
        return AdopterMatch(land_code=member.land_code, kreis_key=member.kreis_key, is_association=True, warning=_(
            "„%(name)s“ ist ein Gemeindeverband, kein Eintrag des Gemeindeverzeichnisses; als Organisation "
            "übernommen und %(kreis)s (%(land)s) zugeordnet.", name=name,
            kreis=kreis.display_name if kreis else member.kreis_key, land=member.land))
    return None
