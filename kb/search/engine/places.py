"""German Länder in search text: names, official keys and common abbreviations.

A Land named in a query ("Geodaten NRW", "Projekte in Sachsen", "Bayern Klima") becomes a filter
on the owner's Land (``SearchDocument.state``); the words that named it (and a preposition before
them: in, aus, …) leave the text.  Abbreviations count only in capitals ("BY" is a Land, "by" is
not); names in any case.  The same table resolves ``state=`` filter values (``NW``, ``NRW``, ``05``,
``nordrhein-westfalen``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.search.engine.german.normalise import fold, tokenize

#: official key -> (name, abbreviations: ISO 3166-2 code first, then common ones, other spellings)
LAENDER: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "01": ("Schleswig-Holstein", ("SH",), ()),
    "02": ("Hamburg", ("HH",), ("Freie und Hansestadt Hamburg",)),
    "03": ("Niedersachsen", ("NI", "NDS"), ()),
    "04": ("Bremen", ("HB",), ("Freie Hansestadt Bremen",)),
    "05": ("Nordrhein-Westfalen", ("NW", "NRW"), ()),
    "06": ("Hessen", ("HE",), ()),
    "07": ("Rheinland-Pfalz", ("RP", "RLP"), ()),
    "08": ("Baden-Württemberg", ("BW",), ()),
    "09": ("Bayern", ("BY",), ("Freistaat Bayern",)),
    "10": ("Saarland", ("SL",), ()),
    "11": ("Berlin", ("BE",), ()),
    "12": ("Brandenburg", ("BB",), ()),
    "13": ("Mecklenburg-Vorpommern", ("MV",), ("Meck-Pomm",)),
    "14": ("Sachsen", ("SN",), ("Freistaat Sachsen",)),
    "15": ("Sachsen-Anhalt", ("ST", "LSA"), ()),
    "16": ("Thüringen", ("TH",), ("Freistaat Thüringen",)),
}
#: abbreviations that mean something else in running text (Technische Hochschule, Lichtsignalanlage,
#: the English "be" and "he"): accepted as filter values, not recognised in a query
AMBIGUOUS_IN_TEXT = frozenset({"BE", "HE", "NI", "ST", "TH", "LSA"})
#: words before a Land that belong to it ("Projekte in Sachsen")
PREPOSITIONS = frozenset({"in", "aus", "im", "fuer", "von", "bei", "nach"})


def _key(words) -> tuple[str, ...]:
    return tuple(fold(w).replace("-", "") for w in words)


def _tables() -> tuple[dict[tuple[str, ...], str], dict[str, str], int]:
    names: dict[tuple[str, ...], str] = {}
    abbrevs: dict[str, str] = {}
    for _code, (name, abbr, other) in LAENDER.items():
        for spelling in (name, *other):
            words = [w.text for w in tokenize(spelling)]
            names[_key(words)] = name
            if any("-" in w for w in words):  # "Baden Württemberg" without the hyphen
                names[_key(" ".join(words).replace("-", " ").split())] = name
        for a in abbr:
            abbrevs[a] = name
    return names, abbrevs, max(len(k) for k in names)


_NAMES, _ABBREVS, _LONGEST = _tables()


def land_name(value: str) -> str | None:
    """The Land a filter value names (name in any case, key "05", abbreviation "NW"/"nrw"), or None."""
    v = " ".join(value.split())
    if v in LAENDER:
        return LAENDER[v][0]
    if v.upper() in _ABBREVS:
        return _ABBREVS[v.upper()]
    return _NAMES.get(_key(w.text for w in tokenize(v)))


@dataclass(frozen=True)
class PlacesInText:
    """What :func:`find_laender` found: the text without the Land words, the Länder and their words."""

    text: str
    laender: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


def find_laender(text: str) -> PlacesInText:
    """Länder named in a query (longest names first; abbreviations only in capitals)."""
    words = tokenize(text)
    kept: list[str] = []
    laender: list[str] = []
    named: list[str] = []
    i = 0
    while i < len(words):
        found = None
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            land = _NAMES.get(_key(w.text for w in words[i : i + n]))
            if land is not None:
                found = (n, land)
                break
        if found is None and words[i].text in _ABBREVS and words[i].text not in AMBIGUOUS_IN_TEXT:
            found = (1, _ABBREVS[words[i].text])
        if found is None:
            kept.append(words[i].text)
            i += 1
            continue
        n, land = found
        if kept and fold(kept[-1]) in PREPOSITIONS:
            kept.pop()
        laender.append(land)
        named.append(" ".join(w.text for w in words[i : i + n]))
        i += n
    if not laender:
        return PlacesInText(text)
    return PlacesInText(" ".join(kept), tuple(dict.fromkeys(laender)), tuple(named))
