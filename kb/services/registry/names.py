"""Resolve municipality names as people write them to the Destatis Gemeindeverzeichnis.

Pure Python (stdlib; messages through Flask-Babel's gettext). A :class:`NameResolver` is built
once from the registry rows (``seed_data/registry/*.csv``) and answers with :class:`RegistryEntry` objects.

Matching rules, in order:

* Keys: an 8-digit AGS gives that Gemeinde, a 5-digit key that Kreis. A kreisfreie Stadt /
  Stadtkreis is one body that is both Gemeinde and Kreis (Kreis key = first 5 digits of the AGS),
  so its Kreis key yields the *Gemeinde* entry.
* Names are compared after :func:`normalize` (case, umlauts/ß, diacritics, punctuation, "St." =
  "Sankt", fillers like "an der"/"a.d."/"(…)"/"/" so "Frankfurt (Oder)" = "Frankfurt an der
  Oder"). Official suffixes ("Leipzig, Stadt") are optional, and prefixes such as "Stadt",
  "Gemeinde", "Markt", "Hansestadt", "Landeshauptstadt", "Große Kreisstadt" are ignored.
* A qualified name ("Halle (Saale)", "Frankfurt am Main") also yields a short alias
  ("Halle", "Frankfurt"); all Gemeinden sharing a name are candidates.
* "Landkreis X" / "LK X" / "Kreis X" only look at Kreise. A bare name prefers the Gemeinde
  ("Leipzig" is the city, "Landkreis Leipzig" the Kreis); Kreise come next, then the first
  part of double names ("Strasslach" → Straßlach-Dingharting), then gemeindefreie Gebiete.
* ``state`` narrows the candidates to one Land; several left → :class:`AmbiguousName`; none
  left → :class:`UnknownName` naming the Land where the name does exist.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

__all__ = [
    "AmbiguousName", "NameResolutionError", "NameResolver", "RegistryEntry",
    "UnknownName", "UnknownState", "display_name", "normalize",
]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ł": "l", "ø": "o", "đ": "d"})
# Connecting words dropped (except as first word): "Frankfurt an der Oder" = "Frankfurt (Oder)".
_FILLERS = frozenset({"a", "am", "an", "auf", "b", "bei", "d", "dem", "den", "der", "i", "im",
                      "in", "ob", "v", "vor"})
# Place qualifiers abbreviated in official names ("Halle (Westf.)", "Frankenberg/Sa.").
_ABBREV = {"westf": "westfalen", "thuer": "thueringen", "sa": "sachsen", "erzgeb": "erzgebirge",
           "vogtl": "vogtland", "opf": "oberpfalz", "odw": "odenwald", "rhld": "rheinland",
           "oldb": "oldenburg"}
_SUFFIX_EXPAND = {"M": "Markt", "St": "Stadt", "GKSt": "Große Kreisstadt", "Krst.": "Kreisstadt",
                  "Barbarossast.": "Barbarossastadt"}
# Kept in the display name because it is part of how the town is called.
_NAME_FORMING = {"Lutherstadt"}
_GEM_PREFIXES = ("stadt", "gemeinde", "markt", "marktgemeinde", "ortsgemeinde", "flecken",
                 "kreisstadt", "grosse kreisstadt", "kreisfreie stadt", "stadtkreis",
                 "hansestadt", "freie und hansestadt", "freie hansestadt", "landeshauptstadt",
                 "universitaetsstadt", "lutherstadt", "kurort")
_KREIS_WORDS = frozenset({"landkreis", "lk", "lkr", "landkr", "kreis"})
_KREIS_NAME_PREFIXES = frozenset({"landkreis", "kreis", "region", "staedteregion",
                                  "regionalverband"})
# Bodies that are not in the registry as such (Ämter, Verbandsgemeinden, …).
_NOT_GEMEINDE = frozenset({"amt", "samtgemeinde", "verbandsgemeinde", "verwaltungsgemeinschaft",
                           "verwaltungsverband", "gemeindeverwaltungsverband"})
_TYPE_HINTS = {"stadt": {"Stadt", "Kreisfreie Stadt", "Stadtkreis", "Große Kreisstadt"},
               "markt": {"Markt"}, "gemeinde": {"Kreisangehörige Gemeinde"}}
_STATE_ABBREV = {"sh": "01", "hh": "02", "ni": "03", "nds": "03", "hb": "04", "nw": "05",
                 "nrw": "05", "he": "06", "rp": "07", "rlp": "07", "bw": "08", "bawue": "08",
                 "by": "09", "sl": "10", "be": "11", "bb": "12", "mv": "13", "sn": "14",
                 "st": "15", "th": "16"}
_STATE_PREFIXES = ("de", "land", "bundesland", "freistaat", "freie und hansestadt",
                   "freie hansestadt")
_KREISFREI = {"Kreisfreie Stadt", "Stadtkreis"}


@dataclass(frozen=True)
class RegistryEntry:
    """One Gemeinde or Kreis of the Gemeindeverzeichnis."""

    kind: str  # "gemeinde" or "kreis"
    key: str  # 8-digit AGS or 5-digit Kreis key
    name: str  # official name, e.g. "Leipzig, Stadt"
    display_name: str  # e.g. "Leipzig", "Landkreis Leipzig", "Frankfurt (Oder)"
    land_code: str
    land: str
    kreis_key: str | None
    kreis_name: str | None
    population: int | None


class NameResolutionError(ValueError):
    """Base class; ``str(error)`` is a German message for the user."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.text = text


class UnknownName(NameResolutionError):
    """No Gemeinde/Kreis of that name (in that Land); ``suggestions`` holds close matches."""

    def __init__(self, message: str, text: str, suggestions: Iterable[RegistryEntry] = ()) -> None:
        super().__init__(message, text)
        self.suggestions = list(suggestions)


class AmbiguousName(NameResolutionError):
    """Several registry entries carry that name; ``candidates`` lists them."""

    def __init__(self, message: str, text: str, candidates: Iterable[RegistryEntry]) -> None:
        super().__init__(message, text)
        self.candidates = list(candidates)


class UnknownState(NameResolutionError):
    """The ``state`` argument is not a Bundesland."""


def _tokens(text: str) -> list[str]:
    """Fold case, umlauts, diacritics and punctuation; return the words."""
    text = text.casefold().translate(_FOLD)
    if not text.isascii():  # "Chóśebuz" → "chosebuz"
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii())
    toks = _NON_ALNUM.sub(" ", text).split()
    toks = ["sankt" if t == "st" and i < len(toks) - 1 else t for i, t in enumerate(toks)]
    return [_ABBREV.get(t, t) for t in toks]


def _key(toks: list[str]) -> str:
    return "".join(t for i, t in enumerate(toks) if i == 0 or t not in _FILLERS)


def normalize(text: str) -> str:
    """Matching key: ``normalize("Frankfurt an der Oder") == normalize("Frankfurt (Oder)")``."""
    return _key(_tokens(text))


def display_name(official: str, typ: str | None = None) -> str:
    """How people write an official name: "Leipzig, Stadt" → "Leipzig".

    With a Kreis ``typ`` ("Landkreis"/"Kreis") the word is prefixed unless the name already
    says it ("Landkreis Leipzig", "Kreis Gütersloh", but "Region Hannover", "Enzkreis").
    """
    base, *suffixes = [p.strip() for p in official.split(",")]
    forming = [s for s in suffixes if s in _NAME_FORMING]
    if forming:
        base = f"{forming[0]} {base}"
    if typ in ("Landkreis", "Kreis") and not re.search(r"kreis|region", base, re.IGNORECASE):
        base = f"{typ} {base}"
    return base


def _strip_prefixes(toks: list[str], phrases: list[tuple[str, ...]]) -> tuple[list[str], str]:
    """Drop leading words like "Stadt", "Große Kreisstadt"; return rest and first word dropped."""
    first = ""
    changed = True
    while changed:
        changed = False
        for p in phrases:
            if len(toks) > len(p) and tuple(toks[: len(p)]) == p:
                first, toks, changed = first or " ".join(p), toks[len(p):], True
                break
    return toks, first


def _gem_aliases(base: str) -> tuple[set[str], str | None]:
    """Keys for an official base name, plus a weak key for the first part of a double name."""
    head = base.split("/")[0]  # "Cottbus/Chóśebuz" → "Cottbus"; "Mühlhausen/Thüringen"
    bare = re.sub(r"\([^)]*\)", " ", head)  # "Halle (Saale)" → "Halle"
    keys = {normalize(s) for s in {base, base.split(" / ")[0], head, bare}}
    toks = _tokens(bare)
    cut = next((i for i in range(1, len(toks)) if toks[i] in _FILLERS), None)
    if cut:  # "Frankfurt am Main" → "Frankfurt"
        keys.add("".join(toks[:cut]))
    weak = normalize(bare.split("-")[0]) if "-" in bare else None
    keys.discard("")
    return keys, (weak if weak and len(weak) >= 4 and weak not in keys else None)


class NameResolver:
    """Registry index: dict lookups on normalized keys, fuzzy matching only on a miss."""

    def __init__(self, gemeinden: Iterable[Mapping], kreise: Iterable[Mapping],
                 laender: Iterable[Mapping]) -> None:
        self._laender = {r["code"]: r["name"] for r in laender}
        self._states: dict[str, str] = {}
        for code, name in self._laender.items():
            for k in (code, str(int(code)), normalize(name)):
                self._states[k] = code
        self._states.update(_STATE_ABBREV)
        self._by_key: dict[str, RegistryEntry] = {}
        self._typ: dict[str, str] = {}
        # tiers: 0 Gemeinden, 1 Kreise, 2 first part of double names, 3 gemeindefreie Gebiete
        self._tiers: list[dict[str, list[RegistryEntry]]] = [{}, {}, {}, {}]
        completion: list[tuple[str, RegistryEntry]] = []
        suffixes: set[str] = set()
        kreisfrei: dict[str, str] = {}
        self._kreis_display: dict[str, str] = {}
        for r in kreise:
            if r["typ"] in _KREISFREI:
                kreisfrei[r["kreis_key"]] = r["name"].split(",")[0].strip()
                continue
            e = RegistryEntry("kreis", r["kreis_key"], r["name"], display_name(r["name"], r["typ"]),
                              r["bundesland_code"], r["bundesland"], None, None,
                              _int(r.get("einwohner_sum")))
            self._by_key[e.key], self._typ[e.key] = e, r["typ"]
            self._kreis_display[e.key] = e.display_name
            toks = _tokens(r["name"].split(",")[0])
            keys = {_key(toks)}
            if len(toks) > 1 and toks[0] in _KREIS_NAME_PREFIXES:  # "Region Hannover" → "Hannover"
                keys.add(_key(toks[1:]))
            for k in keys:
                self._add(1, k, e)
                completion.append((k, e))
        for r in gemeinden:
            base, *sfx = [p.strip() for p in r["name"].split(",")]
            suffixes.update(_SUFFIX_EXPAND.get(s, s) for s in sfx if "gem" not in s)
            e = RegistryEntry("gemeinde", r["ags"], r["name"], display_name(r["name"], r["typ"]),
                              r["bundesland_code"], r["bundesland"], r["kreis_key"] or None,
                              r["kreis_name"] or None, _int(r.get("einwohner")))
            self._by_key[e.key], self._typ[e.key] = e, r["typ"]
            frei = str(r.get("gemeindefrei", "0")) == "1"
            keys, weak = _gem_aliases(base)
            keys.add(normalize(e.display_name))
            if e.key[5:] == "000" and e.key[:5] in kreisfrei:  # Kreis name of a kreisfreie Stadt
                keys.add(normalize(kreisfrei[e.key[:5]]))
                self._by_key[e.key[:5]] = e
            for k in keys:
                self._add(3 if frei else 0, k, e)
                if not frei:
                    completion.append((k, e))
            if weak:
                self._add(3 if frei else 2, weak, e)
        phrases = {tuple(_tokens(p)) for p in (*_GEM_PREFIXES, *suffixes)}
        self._phrases = sorted((p for p in phrases if p), key=len, reverse=True)
        completion.sort(key=lambda ke: ke[0])
        self._ckeys = [k for k, _e in completion]
        self._centries = [e for _k, e in completion]
        self._all_keys = frozenset(k for tier in self._tiers for k in tier)  # may_name
        self._fuzzy_pool = sorted(self._all_keys)
        self._prefix_words = frozenset(p[0] for p in self._phrases) | _KREIS_WORDS

    def _add(self, tier: int, key: str, e: RegistryEntry) -> None:
        bucket = self._tiers[tier].setdefault(key, [])
        if e not in bucket:
            bucket.append(e)

    @classmethod
    def from_csv_dir(cls, path: str | Path) -> NameResolver:
        """Build from ``gemeinden_*.csv``, ``kreise_*.csv`` and ``bundeslaender.csv`` in *path*."""
        path = Path(path)

        def rows(pattern: str) -> list[dict[str, str]]:
            files = sorted(path.glob(pattern))
            if not files:
                raise FileNotFoundError(f"{pattern} fehlt in {path}")
            with files[-1].open(encoding="utf-8", newline="") as fh:
                return list(csv.DictReader(fh))

        return cls(rows("gemeinden_*.csv"), rows("kreise_*.csv"), rows("bundeslaender.csv"))

    # -- public API -------------------------------------------------------------------------

    def lookup(self, key: str) -> RegistryEntry | None:
        """Entry for an 8-digit AGS or 5-digit Kreis key (kreisfreie Stadt → its Gemeinde)."""
        return self._by_key.get(key.strip())

    def resolve_state(self, text: str) -> tuple[str, str]:
        """Bundesland by name, abbreviation ("SN", "NRW") or code ("14") → (code, name)."""
        toks, _prefix = _strip_prefixes(_tokens(text), [tuple(p.split()) for p in _STATE_PREFIXES])
        code = self._states.get(_key(toks)) or self._states.get("".join(toks))
        if code is None:
            raise UnknownState(_("„%(text)s“ ist kein Bundesland. Erwartet wird ein Name "
                                 "(„Sachsen“), ein Kürzel („SN“) oder ein Schlüssel („14“).",
                                 text=text.strip()), text)
        return code, self._laender[code]

    def resolve(self, text: str, state: str | None = None) -> RegistryEntry:
        """The one Gemeinde or Kreis meant by *text* (optionally within Bundesland *state*)."""
        raw = " ".join(text.split())
        code, land = self.resolve_state(state) if state else ("", "")
        if raw.isdigit():
            entry = self.lookup(raw)
            if entry is None:
                raise UnknownName(_("„%(key)s“ ist kein Gemeinde- oder Kreisschlüssel im "
                                    "Gemeindeverzeichnis (8 Stellen AGS, 5 Stellen Kreis).", key=raw), raw)
            variants, hint, hits = [(raw, "")], "", iter([[[entry]]])
        else:
            variants, tiers, hint = self._parse(raw)
            hits = self._pools(variants, tiers)
        found: list[RegistryEntry] = []
        chosen: list[RegistryEntry] = []
        for pools in hits:  # most literal key first; tiers in priority order
            found = found or next(p for p in pools if p)
            if code:
                pools = [[e for e in p if e.land_code == code] for p in pools]
            chosen = next((p for p in pools if p), [])
            if chosen:
                break
        if not found:
            self._raise_unknown(raw, variants[-1][0], code, land)
        if not chosen:
            lands = ", ".join(dict.fromkeys(e.land for e in found))
            raise UnknownName(_("„%(name)s“ gibt es in %(land)s nicht, wohl aber in %(lands)s: %(places)s.",
                                name=raw, land=land, lands=lands, places=self._describe_all(found)), raw, found)
        chosen = sorted(chosen, key=_rank)
        if len(chosen) > 1 and hint in _TYPE_HINTS:  # "Stadt Bergen": only the Städte
            chosen = [e for e in chosen if self._typ[e.key] in _TYPE_HINTS[hint]] or chosen
        if len(chosen) > 1:
            where = (_("%(num)d Treffer in %(land)s", num=len(chosen), land=land) if land
                     else _("%(num)d Treffer", num=len(chosen)))
            raise AmbiguousName(_("„%(name)s“ ist mehrdeutig (%(hits)s): %(places)s. Bitte Bundesland angeben "
                                  "oder den Namen genauer schreiben, z. B. mit Zusatz.",
                                  name=raw, hits=where, places=self._describe_all(chosen)), raw, chosen)
        return chosen[0]

    def candidates(self, text: str, loose: bool = True) -> list[RegistryEntry]:
        """Every entry *text* names by the rules of :meth:`resolve`, largest first, without raising and
        without fuzzy matching: [] for none, several for an ambiguous name. ``loose=False``: Gemeinden
        and Kreise by their names only (no first parts of double names, no gemeindefreie Gebiete)."""
        raw = " ".join(text.split())
        if raw.isdigit():
            entry = self.lookup(raw)
            return [entry] if entry is not None else []
        if not _tokens(raw):
            return []
        variants, tiers, hint = self._parse(raw)
        for pools in self._pools(variants, [t for t in tiers if loose or t < 2]):
            chosen = sorted(next((p for p in pools if p), []), key=_rank)
            if len(chosen) > 1 and hint in _TYPE_HINTS:
                chosen = [e for e in chosen if self._typ[e.key] in _TYPE_HINTS[hint]] or chosen
            if chosen:
                return chosen
        return []

    def may_name(self, text: str) -> bool:
        """A cheap test before :meth:`candidates`: False only when *text* surely names nothing
        (its key is no registry name and it starts with no prefix such as "Stadt" or "Landkreis")."""
        toks = _tokens(text)
        if not toks:
            return False
        return toks[0] in self._prefix_words or _key(toks) in self._all_keys

    def complete(self, prefix: str, state: str | None = None,
                 limit: int = 10) -> list[RegistryEntry]:
        """Type-ahead: entries whose name starts with *prefix*, larger population first."""
        toks, kind = _tokens(prefix), None
        if len(toks) > 1 and toks[0] in _KREIS_WORDS:
            toks, kind = toks[1:], "kreis"
        else:
            toks, hint = _strip_prefixes(toks, self._phrases)
            kind = "gemeinde" if hint else None
        if not toks or limit <= 0:
            return []
        code = self.resolve_state(state)[0] if state else None
        hits: dict[str, RegistryEntry] = {}
        # the last word may be unfinished: "Bad B" must not drop "b" (= "bei") as a filler
        for key in dict.fromkeys((_key(toks[:-1]) + toks[-1], _key(toks))):
            lo, hi = bisect_left(self._ckeys, key), bisect_left(self._ckeys, key + "~")
            hits = {e.key: e for e in self._centries[lo:hi]
                    if (code is None or e.land_code == code) and kind in (None, e.kind)}
            if hits:
                break
        return sorted(hits.values(), key=_rank)[:limit]

    # -- helpers ----------------------------------------------------------------------------

    def _parse(self, raw: str) -> tuple[list[tuple[str, str]], list[int], str]:
        """Keys to try (most literal first, each with the prefix its hits must show), tiers to
        search, and the dropped prefix word."""
        base, *sfx = [p.strip() for p in raw.split(",")]  # "Leipzig, Stadt" → "Stadt Leipzig"
        toks = _tokens(" ".join([*(_SUFFIX_EXPAND.get(s, s) for s in sfx), base]))
        rest, hint = _strip_prefixes(toks, self._phrases)
        if not hint and len(toks) > 1 and toks[0] in _KREIS_WORDS:  # "Landkreis Leipzig"
            return [(_key(toks), ""), (_key(toks[1:]), "")], [1], ""
        # "Stadt Bergen" may match "Stadt Wehlen"-like names literally, but not "Stadtbergen"
        first = (normalize(base), "") if sfx else (_key(toks), hint)
        keys = [first, (_key(rest), "")]
        return keys[first[0] == keys[1][0]:], [0, 1, 2, 3], hint

    def _pools(self, variants: list[tuple[str, str]],
               tiers: list[int]) -> Iterable[list[list[RegistryEntry]]]:
        """Per key with hits: the hits of each tier (Gemeinden, Kreise, double names, gemfrei)."""
        for key, prefix in variants:
            pools = [self._tiers[t].get(key, []) for t in tiers]
            if prefix:
                words = prefix.split()
                pools = [[e for e in p if _tokens(e.display_name)[: len(words)] == words]
                         for p in pools]
            if any(pools):
                yield pools

    def _raise_unknown(self, raw: str, key: str, code: str, land: str) -> None:
        suggestions: list[RegistryEntry] = []
        for k in difflib.get_close_matches(key, self._fuzzy_pool, n=10, cutoff=0.8):
            pool = next(t[k] for t in self._tiers if k in t)
            suggestions += [e for e in sorted(pool, key=_rank) if e not in suggestions
                            and e.land_code in (code or e.land_code)]
        suggestions = suggestions[:5]
        if _tokens(raw)[:1] and _tokens(raw)[0] in _NOT_GEMEINDE:  # "Amt Odervorland"
            msg = _("„%(name)s“ ist ein Gemeindeverband (Amt, Samt- oder Verbandsgemeinde); das "
                    "Gemeindeverzeichnis führt nur Gemeinden und Kreise. Bitte die Mitgliedsgemeinde "
                    "angeben.", name=raw)
        elif land:
            msg = _("„%(name)s“ ist keine Gemeinde und kein Kreis im Gemeindeverzeichnis (%(land)s).",
                    name=raw, land=land)
        else:
            msg = _("„%(name)s“ ist keine Gemeinde und kein Kreis im Gemeindeverzeichnis.", name=raw)
        if suggestions:
            msg += " " + _("Meinten Sie: %(places)s?", places=self._describe_all(suggestions))
        raise UnknownName(msg, raw, suggestions)

    def describe(self, e: RegistryEntry) -> str:
        """"Birkenwerder (Landkreis Oberhavel, Brandenburg, 12065036)"."""
        return self._describe(e)

    def _describe(self, e: RegistryEntry) -> str:
        kreis = self._kreis_display.get(e.kreis_key or "") if e.kind == "gemeinde" else None
        return f"{e.display_name} ({', '.join(p for p in (kreis, e.land, e.key) if p)})"

    def _describe_all(self, entries: list[RegistryEntry], limit: int = 10) -> str:
        text = "; ".join(self._describe(e) for e in entries[:limit])
        more = len(entries) - limit
        return text + ("; … " + _("und %(num)d weitere", num=more) if more > 0 else "")


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _rank(e: RegistryEntry) -> tuple[int, str]:
    return -(e.population or 0), e.key


if __name__ == "__main__":  # timings: python -m kb.services.registry.names [registry dir]
    import sys
    import time

    t0 = time.perf_counter()
    resolver = NameResolver.from_csv_dir(sys.argv[1] if len(sys.argv) > 1 else "seed_data/registry")
    t1 = time.perf_counter()
    names = ["Leipzig", "Stadt Bad Belzig", "Landkreis Havelland", "Frankfurt (Oder)",
             "Hansestadt Rostock", "Muenchen", "Lutherstadt Wittenberg", "09184144"]
    for name in names * 1000:
        resolver.resolve(name)
    t2 = time.perf_counter()
    try:
        resolver.resolve("Leipzich")
    except UnknownName as exc:
        print(exc)
    t3 = time.perf_counter()
    print(f"build {1e3 * (t1 - t0):.0f} ms, resolve {1e3 * (t2 - t1) / len(names):.1f} µs/name, "
          f"miss with suggestions {1e3 * (t3 - t2):.1f} ms")
