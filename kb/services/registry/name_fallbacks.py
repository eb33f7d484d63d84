"""Adopter names as real usedBy lists write them: explicit Länder, typos of the type word, qualifiers, Ämter.

:func:`resolve_adopter` resolves one adopter name (kb.services.registry.names) with these rules:

* A Land given with the name is the only one tried: "Neustadt" in Sachsen never becomes
  Neustadt (Dosse) in the owner's Brandenburg. Without a Land the owner's Land is tried first,
  then all of Germany.
* If the name as written matches nothing, an obvious typo of the type word ("Gemeine
  Birkenwerder" → "Gemeinde Birkenwerder") and a parenthesised qualifier that is not part of the
  name ("Bremen (MeinQuartier)" → "Bremen") are tried — each match comes with a warning.
* An Amt, a Verbands- or Samtgemeinde (and the like) is no Gemeinde of the registry: it stays an
  organisation of its own (kind Verband), linked to its Kreis where the name tells it – its
  namesake member ("Amt Beetzsee" → Beetzsee → Landkreis Potsdam-Mittelmark), the members of a
  compound name ("Amt Britz-Chorin-Oderberg" → Barnim), the town of an adjective ("Verbandsgemeinde
  Bitburger Land" → Bitburg → Eifelkreis Bitburg-Prüm) or a Kreis in brackets ("Samtgemeinde
  Elbmarsch (Landkreis Harburg)") – so it shows on maps and Kreis pages.
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
MEMBER_SEPARATORS = re.compile(r"\s*(?:-|/|,|\bund\b|\s–\s)\s*")
FILLER_WORDS = frozenset({"land", "amt", "am", "an", "der", "die", "im", "in"})

Resolve = Callable[[str, str | None], RegistryEntry]


@dataclass
class AdopterMatch:
    """What an adopter name stands for: a registry entry, or a named body (maybe linked to its Kreis)."""

    entry: RegistryEntry | None = None
    warning: str | None = None
    land_code: str | None = None  # for a named body: the Land it belongs to, when known
    kreis_key: str | None = None  # for a Gemeindeverband: the Kreis it lies in
    is_association: bool = False
    name: str | None = None  # the body's name without a qualifier that only located it


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
    association = _association(resolver, name, hints, resolve, land_code)
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


def _association(resolver: NameResolver, name: str, hints: list[str | None], resolve: Resolve,
                 land_code: str | None) -> AdopterMatch | None:
    """An Amt, Verbands- or Samtgemeinde: an organisation of its own, linked to its Kreis where the name tells it.

    The Kreis comes from a qualifier naming the Kreis or a member ("Samtgemeinde Elbmarsch (Landkreis
    Harburg)"), else from the member Gemeinden the name is made of: the namesake ("Amt Beetzsee"), the parts
    of a compound ("Amt Britz-Chorin-Oderberg", "Amt Peenetal/Loitz") or the town of an adjective
    ("Verbandsgemeinde Bitburger Land" → Bitburg) — kreisfreie Städte never count (no Amt contains one),
    and the members found must all lie in one Kreis. Otherwise the body is kept with its Land only.
    """
    first, _space, rest = name.partition(" ")
    if not rest or first.casefold() not in (w.casefold() for w in ASSOCIATION_WORDS):
        return None
    bare, qualifiers = _split_qualifiers(rest)
    plain = f"{first} {bare}"
    for qualifier in qualifiers:  # the Kreis given with the name
        entry = _first_match(qualifier, hints, resolve)
        kreis_key = entry and (entry.key if entry.kind == "kreis" else entry.kreis_key)
        if kreis_key:
            return _linked(resolver, name, plain, kreis_key, entry.land_code, entry.land)
    members: dict[str, RegistryEntry] = {}
    for candidate in _member_names(bare):
        member = _first_match(candidate, hints, resolve)
        if member is not None and member.kind == "gemeinde" and member.kreis_key and not _kreisfrei(member):
            members.setdefault(member.key, member)
    kreise = {m.kreis_key for m in members.values()}
    if len(kreise) == 1:
        member = next(iter(members.values()))
        return _linked(resolver, name, plain, member.kreis_key, member.land_code, member.land)
    return AdopterMatch(name=plain, land_code=land_code, is_association=True, warning=_(
        "„%(name)s“ ist ein Gemeindeverband, kein Eintrag des Gemeindeverzeichnisses; als Organisation übernommen. "
        "Der Kreis ließ sich aus dem Namen nicht bestimmen – mit dem Kreis in Klammern, z. B. „%(example)s“, "
        "erscheint er auf Karten und Kreisseiten.", name=name, example=f"{plain} (Landkreis …)"))


def _linked(resolver: NameResolver, name: str, plain: str, kreis_key: str, land_code: str,
            land: str) -> AdopterMatch:
    kreis = resolver.lookup(kreis_key)
    return AdopterMatch(name=plain, land_code=land_code, kreis_key=kreis_key, is_association=True, warning=_(
        "„%(name)s“ ist ein Gemeindeverband, kein Eintrag des Gemeindeverzeichnisses; als Organisation "
        "übernommen und %(kreis)s (%(land)s) zugeordnet.", name=name,
        kreis=kreis.display_name if kreis else kreis_key, land=land))


def _first_match(text: str, hints: list[str | None], resolve: Resolve) -> RegistryEntry | None:
    for hint in hints:
        try:
            return resolve(text, hint)
        except NameResolutionError:
            continue
    return None


def _split_qualifiers(rest: str) -> tuple[str, list[str]]:
    """"Elbmarsch (Landkreis Harburg)" and "Elbmarsch, Landkreis Harburg" → ("Elbmarsch", ["Landkreis Harburg"])."""
    qualifiers = [q.strip() for q in QUALIFIER.findall(rest) if q.strip()]
    bare = QUALIFIER.sub(" ", rest).strip()
    if ", " in bare:
        bare, _comma, tail = bare.partition(", ")
        qualifiers.append(tail.strip())
    return " ".join(bare.split()), qualifiers


def _member_names(bare: str) -> list[str]:
    """The Gemeinden a Gemeindeverband's name may be made of, the whole name first."""
    names = [bare]
    parts = [p.strip() for p in MEMBER_SEPARATORS.split(bare) if p.strip()]
    if len(parts) > 1:
        names += parts
    words = [w for w in bare.split() if w.casefold() not in FILLER_WORDS]
    for word in words:  # "Bitburger Land" → Bitburg, "Wittlicher Land" → Wittlich
        if word.endswith("er") and len(word) > 5:
            names.append(word[:-2])
    if len(words) != len(bare.split()) and words:
        names.append(" ".join(words))
    return list(dict.fromkeys(names))


def _kreisfrei(entry: RegistryEntry) -> bool:
    """A kreisfreie Stadt (its AGS is its Kreis key and 000): never a member of an Amt or a Verbandsgemeinde."""
    return entry.key.endswith("000") and entry.key[:5] == entry.kreis_key
