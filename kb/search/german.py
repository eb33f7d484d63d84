"""German text analysis shared by every search backend.

Pure Python (PyStemmer for the Snowball stemmer), no search-engine imports.
Every backend indexes and queries with the *terms* produced here, so a
PostgreSQL backend can store exactly these terms in a ``tsvector``
(``array_to_tsvector``/``setweight``, ``simple`` configuration) and get the
same matching behaviour as the Whoosh backend.

Term design
-----------
A *term* is a lowercase ASCII string ``[a-z0-9_]+``:

* **folding** – ``fold("Straße") == "strasse"``: NFKC, lowercase, ä→ae, ö→oe,
  ü→ue, ß→ss, other diacritics stripped.  Folding makes "Buergerbeteiligung"
  and "Bürgerbeteiligung" identical.
* **stemming** – German Snowball (PyStemmer) on the folded word.  Snowball
  treats ae/oe/ue like ä/ö/ü and strips the umlaut, so
  ``stem("Parkplätze") == stem("Parkplatz") == "parkplatz"`` and
  ``stem("Bäume") == stem("Baeume") == "baum"``.
* **decompounding** – a word is split into known parts (lexicon in
  ``seed_data/search``; linking elements -s/-es/-n/-en/-e/-er/-ens and a
  dropped -e handled, fewest parts preferred, each part split again,
  parts ≥ 4 letters or from a short list, place names and a stop list never
  split).  A word yields its whole stem (weight 1.0) plus, at weight
  :data:`PART_WEIGHT`, the stems of its leaf parts and of the intermediate
  compounds (split-tree nodes and neighbouring leaf pairs):
  ``Radwegeplanung`` → ``radwegeplan`` (whole), ``rad``, ``weg``, ``planung``,
  ``radweg``, ``wegeplan``.
  Hyphenated words are compounds too: ``E-Akte`` → ``eakt``, ``akt``.
* **phrase terms** – multi-word entries of the synonym file (``künstliche
  Intelligenz``) are recognised in text and emitted as one extra term, the
  stems joined by ``_`` (``kunstlich_intelligenz``), so a query for "KI" can
  match them with a single term lookup.  (After changing multi-word synonym
  entries the index must be rebuilt.)
* **stop words** are dropped (index and query); *filler* words ("Projekt",
  "Lösung", "Kommune", …) are kept but get a low weight in queries.

Public API
----------
* documents: ``analyze(text) -> [(term, weight), …]`` (one entry per
  occurrence) and ``index_tokens(text) -> [term, …]``;
  ``analyze_word(word)``, ``fold``, ``stem``, ``split_compound``;
* queries: ``parse_query(text) -> ParsedQuery``: ``groups`` (one per concept:
  a word or a multi-word synonym), each with ``alternatives`` — a tuple of
  terms that must *all* occur, a ``boost`` (typed word 1.0, synonym 0.85,
  compound parts 0.75, derivational variant 0.6, spelling correction ×0.7)
  and a ``kind``; filler groups carry a low ``weight``.  A document's group
  score is its best alternative; group scores add up;
* spelling: ``Speller(vocabulary)`` with ``vocabulary`` = ``{term: df}`` of
  the index (or any :class:`Vocabulary`: df lookup + prefix scan),
  ``Speller.correct(word)`` for fuzzy search, ``suggest(query_text,
  vocabulary) -> str | None`` for "Meinten Sie …?";
* highlighting: ``match_spans(text, terms, whole_only)``;
* ``load_synonyms()`` / ``parse_synonyms(lines)``, ``data_dir()``,
  ``reset_caches()``.
"""

from __future__ import annotations

import gzip
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import Stemmer

__all__ = [
    "PART_WEIGHT",
    "Alternative",
    "Group",
    "ParsedQuery",
    "Correction",
    "MappingVocabulary",
    "Speller",
    "Vocabulary",
    "Synonyms",
    "Word",
    "analyze",
    "analyze_word",
    "data_dir",
    "fold",
    "index_tokens",
    "is_stopword",
    "load_synonyms",
    "parse_query",
    "split_compound",
    "stem",
    "suggest",
    "tokenize",
]

#: weight of compound parts relative to the whole word
PART_WEIGHT = 0.5
#: query boosts of the alternative kinds (relative to the typed word = 1.0)
BOOST_EXACT = 1.0
BOOST_VARIANT = 0.6  # derivational variant: Warnung -> warn
BOOST_PARTS = 0.75  # all parts of a query compound present
BOOST_SYNONYM = 0.85
BOOST_SYNONYM_PARTS = 0.55
BOOST_FUZZY = 0.7
#: query weight of filler words ("Projekte in Sachsen")
FILLER_WEIGHT = 0.15

MAX_QUERY_WORDS = 16  # longer queries are cut (each word costs a scoring pass)
MIN_PART = 4  # minimum length of a compound part (shorter ones: SHORT_PARTS)
MIN_SPLIT = 6  # words shorter than this are never split

# ---------------------------------------------------------------- data files


def data_dir() -> Path:
    """Directory with lexicon and synonym files (``KB_SEARCH_DATA`` overrides)."""
    env = os.environ.get("KB_SEARCH_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "seed_data" / "search"


def _read_lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                yield line


# ------------------------------------------------------------------- folding

_FOLD_MAP = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_NON_TERM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercase, expand umlauts (ä→ae …, ß→ss), strip other diacritics.

    Keeps ``-``; removes every other character that is not ``a-z0-9``.
    """
    w = unicodedata.normalize("NFKC", word).lower().translate(_FOLD_MAP)
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    if w.isalnum() and w.isascii():
        return w
    return "-".join(p for p in (_NON_TERM.sub("", x) for x in w.split("-")) if p)


# ------------------------------------------------------------------ stemming

_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    st = getattr(_local, "stemmer", None)
    if st is None:
        st = _local.stemmer = Stemmer.Stemmer("german", 0)
    return st


@lru_cache(maxsize=200_000)
def _stem_folded(folded: str) -> str:
    if len(folded) <= 2 or folded.isdigit():
        return folded
    return _stemmer().stemWord(folded)


def stem(word: str) -> str:
    """Snowball stem of the folded word (hyphens removed)."""
    return _stem_folded(fold(word).replace("-", ""))


# ---------------------------------------------------------------- stop words

# Snowball's German stop list (folded) plus a few extras of the domain.
_STOPWORDS = frozenset(
    [
        "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander", "andere", "anderem",
        "anderen", "anderer", "anderes", "anderm", "andern", "anderr", "anders", "auch", "auf", "aus", "bei", "bin",
        "bis", "bist", "da", "damit", "dann", "das", "dass", "dasselbe", "dazu", "dein", "deine", "deinem", "deinen",
        "deiner", "deines", "dem", "demselben", "den", "denn", "denselben", "der", "derer", "derselbe", "derselben",
        "des", "desselben", "dessen", "dich", "die", "dies", "diese", "dieselbe", "dieselben", "diesem", "diesen",
        "dieser", "dieses", "dir", "doch", "dort", "du", "durch", "ein", "eine", "einem", "einen", "einer", "eines",
        "einig", "einige", "einigem", "einigen", "einiger", "einiges", "einmal", "er", "es", "etwas", "euch", "euer",
        "eure", "eurem", "euren", "eurer", "eures", "fuer", "gegen", "gewesen", "hab", "habe", "haben", "hat",
        "hatte", "hatten", "hier", "hin", "hinter", "ich", "ihm", "ihn", "ihnen", "ihr", "ihre", "ihrem", "ihren",
        "ihrer", "ihres", "im", "in", "indem", "ins", "ist", "jede", "jedem", "jeden", "jeder", "jedes", "jene",
        "jenem", "jenen", "jener", "jenes", "jetzt", "kann", "kein", "keine", "keinem", "keinen", "keiner", "keines",
        "koennen", "koennte", "machen", "man", "manche", "manchem", "manchen", "mancher", "manches", "mein", "meine",
        "meinem", "meinen", "meiner", "meines", "mich", "mir", "mit", "muss", "musste", "nach", "nicht", "nichts",
        "noch", "nun", "nur", "ob", "oder", "ohne", "sehr", "sein", "seine", "seinem", "seinen", "seiner", "seines",
        "selbst", "sich", "sie", "sind", "so", "solche", "solchem", "solchen", "solcher", "solches", "soll", "sollte",
        "sondern", "sonst", "ueber", "um", "und", "uns", "unsere", "unserem", "unseren", "unserer", "unseres",
        "unter", "viel", "vom", "von", "vor", "waehrend", "war", "waren", "warst", "was", "weg", "weil", "weiter",
        "welche", "welchem", "welchen", "welcher", "welches", "wenn", "werde", "werden", "wie", "wieder", "will",
        "wir", "wird", "wirst", "wo", "wollen", "wollte", "wuerde", "wuerden", "zu", "zum", "zur", "zwar", "zwischen",
        "innen", "sowie", "bzw", "usw", "etc", "ca", "z", "b", "gibt", "geht", "gibt", "es", "wer", "wie", "welche",
        "welcher",
    ]
) - {"weg"}  # "Weg" is a noun that matters (Radweg)


def is_stopword(folded: str) -> bool:
    return folded in _STOPWORDS


# Query words that describe *what kind of thing* is searched rather than the
# subject ("Projekte in Sachsen", "Lösungen für Kommunen"): low query weight.
_FILLER_STEMS = frozenset(
    _stem_folded(fold(w))
    for w in [
        "projekt", "projekte", "loesung", "loesungen", "kommune", "kommunen", "kommunal", "kommunale", "stadt",
        "staedte", "gemeinde", "gemeinden", "landkreis", "landkreise", "kreis", "beispiel", "beispiele",
        "praxisbeispiel", "anwendungsfall", "anwendungsfaelle", "erfahrung", "erfahrungen", "umsetzung", "einsatz",
        "vorhaben", "initiative", "idee", "ideen", "ansatz", "suche", "angebot", "angebote", "verwaltung",
        "verwaltungen",
    ]
)

# ------------------------------------------------------------------ lexicon

_SHORT_PARTS_DEFAULT = frozenset(
    [
        "rad", "weg", "amt", "bus", "rat", "hof", "bad", "see", "ort", "zug", "bau", "gas", "tag", "not", "tor",
        "tal", "app", "web", "geo", "bio", "eis", "oel", "ski", "nah", "neu", "alt", "ruf", "bot", "zoo", "kur",
        "lkw", "pkw", "gps", "ki", "it", "kfz",
    ]
)
# never accepted as a compound part (suffix-like nouns that cause junk splits)
_PART_BLOCK_DEFAULT = frozenset(
    [
        "schaft", "schaften", "ismus", "ismen", "logie", "logien", "ration", "rationen", "tion", "ion", "ionen",
        "aster", "astern", "ling", "linge", "tur", "ster", "ung", "ungen", "heit", "keit", "tum", "nis", "aner",
        "ener", "rich",
    ]
)
_FUGEN = ("", "s", "es", "n", "en", "e", "er", "ens", "ns")


@dataclass
class _Lexicon:
    heads: frozenset[str]  # may end a compound (nouns, any inflected form)
    mods: frozenset[str]  # may start/continue a compound (nouns, adj/verb stems)
    nosplit: frozenset[str]
    short: frozenset[str]
    block: frozenset[str]


_LEX: _Lexicon | None = None
_LEX_LOCK = threading.RLock()


def _load_lexicon() -> _Lexicon:
    global _LEX
    if _LEX is not None:
        return _LEX
    with _LEX_LOCK:
        if _LEX is not None:
            return _LEX
        d = data_dir()
        nouns = _read_folded(d / "lexicon_nouns.txt.gz") | _read_folded(d / "lexicon_corpus.txt")
        mods = _read_folded(d / "lexicon_modifiers.txt")
        # curated municipal vocabulary: "word" = noun, "word+" = modifier only
        for w in _read_lines(d / "municipal_words.txt"):
            for item in w.split():
                if item.endswith("+"):
                    mods.add(fold(item[:-1]))
                else:
                    nouns.add(fold(item))
        nosplit = _read_words(d / "nosplit.txt") | _read_folded(d / "nosplit_places.txt")
        short = set(_SHORT_PARTS_DEFAULT) | _read_words(d / "short_parts.txt")
        block = set(_PART_BLOCK_DEFAULT) | _read_words(d / "part_blocklist.txt")
        # generated files hold no words shorter than 4 letters; 3-letter
        # parts come only from the short list
        heads = (nouns | short) - block
        mods = (nouns | mods | short) - block
        _LEX = _Lexicon(
            heads=frozenset(heads),
            mods=frozenset(mods),
            nosplit=frozenset(nosplit),
            short=frozenset(short),
            block=frozenset(block),
        )
        return _LEX


def _read_words(path: Path) -> set[str]:
    """Folded words of a hand-edited file (several per line, ``#`` comments)."""
    return {fold(w) for line in _read_lines(path) for w in line.split()}


_COMMENT_LINE = re.compile(r"(?m)^#.*$")


def _read_folded(path: Path) -> set[str]:
    """Words of a generated (already folded) word file, ``#`` lines skipped."""
    if not path.exists():
        return set()
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            text = fh.read()
    else:
        text = path.read_text(encoding="utf-8")
    return set(_COMMENT_LINE.sub("", text).split())


def reset_caches() -> None:
    """Forget loaded data files and per-word caches (tests, data edits)."""
    global _LEX, _SYN
    with _LEX_LOCK:
        _LEX = None
        _SYN = None
    _decompose.cache_clear()
    analyze_word.cache_clear()
    _word_terms_cached.cache_clear()


def _best_split(word: str, lex: _Lexicon) -> list[tuple[int, int]] | None:
    """Fewest-parts split of ``word`` into lexicon parts (≥ 2) or None.

    Returns ``(start, end)`` offsets of the parts (a linking element follows
    ``end``).  Ties are broken by the sum of squared part lengths (longer,
    more specific parts win: "stau|becken" over "staub|ecken", "leer|stand"
    over "leer|s|tand")."""
    n = len(word)
    heads, mods = lex.heads, lex.mods
    memo: dict[int, tuple[int, int, list[tuple[int, int]]] | None] = {}
    fugen = _FUGEN

    def solve(i: int) -> tuple[int, int, list[tuple[int, int]]] | None:
        if i in memo:
            return memo[i]
        best: tuple[int, int, list[tuple[int, int]]] | None = None
        if i > 0 and word[i:] in heads:
            best = (1, -((n - i) ** 2), [(i, n)])
        for j in range(i + 3, n - 2):
            if word[i:j] not in mods:
                continue
            for fuge in fugen:
                k = j + len(fuge)
                if k > n - 3 or (fuge and not word.startswith(fuge, j)):
                    continue
                rest = solve(k)
                if rest is None:
                    continue
                cand = (rest[0] + 1, rest[1] - (j - i) ** 2, [(i, j), *rest[2]])
                if best is None or cand[:2] < best[:2]:
                    best = cand
        memo[i] = best
        return best

    res = solve(0)
    if res is None or res[0] < 2:
        return None
    return res[2]


def _leaf_spans(word: str, lex: _Lexicon) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Leaf and inner-node spans of an unhyphenated folded word."""
    if len(word) < MIN_SPLIT or word in lex.nosplit or not word.isalpha():
        return [], []
    parts = _best_split(word, lex)
    if not parts:
        return [], []
    leaves: list[tuple[int, int]] = []
    inner: list[tuple[int, int]] = []
    for s, e in parts:
        sub_leaves, sub_inner = _leaf_spans(word[s:e], lex) if e - s >= MIN_SPLIT else ([], [])
        if sub_leaves:
            leaves.extend((s + a, s + b) for a, b in sub_leaves)
            inner.extend((s + a, s + b) for a, b in sub_inner)
            inner.append((s, e))
        else:
            leaves.append((s, e))
    return leaves, inner


@lru_cache(maxsize=200_000)
def _decompose(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(leaves, inner)`` of a folded word: its atomic parts, and the
    intermediate compounds (nodes of the split tree and every pair of
    neighbouring leaves, linking elements kept: Bürger|haus|halt gives
    "buergerhaus" and "haushalt").  ``((), ())`` if the word is atomic."""
    lex = _load_lexicon()
    if "-" in word:
        if word in lex.nosplit:
            return (), ()
        comps = [c for c in word.split("-") if c]
        joined = "".join(comps)
        spans: list[tuple[int, int]] = []
        inner_spans: list[tuple[int, int]] = []
        pos = 0
        for c in comps:
            sub_leaves, sub_inner = _leaf_spans(c, lex)
            if sub_leaves:
                spans.extend((pos + a, pos + b) for a, b in sub_leaves)
                inner_spans.extend((pos + a, pos + b) for a, b in sub_inner)
                inner_spans.append((pos, pos + len(c)))
            else:
                spans.append((pos, pos + len(c)))
            pos += len(c)
        word = joined
    else:
        spans, inner_spans = _leaf_spans(word, lex)
    if len(spans) < 2:
        if len(spans) == 1 and spans[0] != (0, len(word)):
            return (word[spans[0][0] : spans[0][1]],), ()
        return (), ()
    leaves = [word[a:b] for a, b in spans]
    inner = [word[a:b] for a, b in inner_spans]
    if len(spans) >= 3:
        inner.extend(word[spans[i][0] : spans[i + 1][1]] for i in range(len(spans) - 1))
    full = (spans[0][0], spans[-1][1])
    inner = [x for x in inner if len(x) < full[1] - full[0]]
    return tuple(p for p in leaves if len(p) >= 2), tuple(dict.fromkeys(inner))


def _split_folded(word: str) -> tuple[str, ...]:
    return _decompose(word)[0]


def split_compound(word: str) -> list[str]:
    """Leaf parts of a compound as folded surface strings, [] if not a compound.

    >>> split_compound("Radwegeplanung")
    ['rad', 'wege', 'planung']
    """
    return list(_split_folded(fold(word)))


# ------------------------------------------------------------- tokenization

_WORD_RE = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Word:
    """A word of the input text with its character offsets."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Word]:
    """Words (letters/digits, hyphenated runs kept together) with offsets."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


@lru_cache(maxsize=300_000)
def analyze_word(word: str) -> tuple[tuple[str, float], ...]:
    """Index terms of one word: ``((whole_stem, 1.0), (part_stem, PART_WEIGHT), ...)``.

    Empty for stop words and one-letter words.  The first term is the word's
    whole stem (its *key*, used for phrase and synonym detection)."""
    f = fold(word)
    if not f or f in _STOPWORDS:
        return ()
    joined = f.replace("-", "")
    if len(joined) < 2 and not joined.isdigit():
        return ()
    whole = _stem_folded(joined)
    out: dict[str, float] = {whole: 1.0}
    leaves, inner = _decompose(f)
    for p in (*leaves, *inner):
        t = _stem_folded(p)
        if len(t) >= 2 and t not in out:
            out[t] = PART_WEIGHT
    return tuple(out.items())


def _word_key(word: str) -> str | None:
    terms = analyze_word(word)
    return terms[0][0] if terms else None


# ------------------------------------------------------------------ synonyms


@dataclass
class Synonyms:
    """Parsed synonym file.

    ``expansions`` maps a key (tuple of whole-word stems) to the alternatives
    (tuples of stems) a query for it also searches.  ``phrases`` is the set of
    multi-word keys/alternatives that documents get a joined phrase term for.
    """

    expansions: dict[tuple[str, ...], list[tuple[str, ...]]] = field(default_factory=dict)
    phrases: frozenset[tuple[str, ...]] = frozenset()
    max_len: int = 1
    phrase_first: frozenset[str] = frozenset()


def _phrase_key(text: str) -> tuple[str, ...]:
    keys = []
    for w in tokenize(text):
        k = _word_key(w.text)
        if k:
            keys.append(k)
    return tuple(keys)


def parse_synonyms(lines: Iterable[str]) -> Synonyms:
    """Parse synonym lines (see ``seed_data/search/synonyms.txt``).

    ``a, b, c``      – equivalent: each one searches all others.
    ``a => b, c``    – directional: a query for ``a`` also searches b and c.
    ``#`` starts a comment."""
    exp: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    phrases: set[tuple[str, ...]] = set()

    def add(src: tuple[str, ...], dst: tuple[str, ...]) -> None:
        if src and dst and src != dst:
            lst = exp.setdefault(src, [])
            if dst not in lst:
                lst.append(dst)

    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            srcs = [_phrase_key(x) for x in left.split(",") if x.strip()]
            dsts = [_phrase_key(x) for x in right.split(",") if x.strip()]
            for s in srcs:
                for d in dsts:
                    add(s, d)
            items = srcs + dsts
        else:
            items = [_phrase_key(x) for x in line.split(",") if x.strip()]
            for s in items:
                for d in items:
                    add(s, d)
        phrases.update(k for k in items if len(k) > 1)
    max_len = max((len(k) for k in exp), default=1)
    return Synonyms(
        expansions=exp,
        phrases=frozenset(phrases),
        max_len=max(max_len, max((len(p) for p in phrases), default=1)),
        phrase_first=frozenset(p[0] for p in phrases),
    )


_SYN: Synonyms | None = None


def load_synonyms() -> Synonyms:
    """The synonyms of ``seed_data/search/synonyms.txt`` (cached)."""
    global _SYN
    if _SYN is None:
        with _LEX_LOCK:
            if _SYN is None:
                _SYN = parse_synonyms(_read_lines(data_dir() / "synonyms.txt"))
    return _SYN


def phrase_term(stems: Iterable[str]) -> str:
    return "_".join(stems)


# ------------------------------------------------------------- doc analysis


def analyze(text: str, synonyms: Synonyms | None = None) -> list[tuple[str, float]]:
    """Index terms of a text with weights (one entry per occurrence).

    Whole-word stems have weight 1.0, compound parts :data:`PART_WEIGHT`,
    phrase terms of multi-word synonyms 1.0."""
    syn = synonyms if synonyms is not None else load_synonyms()
    out: list[tuple[str, float]] = []
    keys: list[str] = []
    first = syn.phrase_first
    phrases = syn.phrases
    extend, append = out.extend, keys.append  # hot loop: ~1 µs per word of every document
    for terms in map(analyze_word, _WORD_RE.findall(text)):
        if terms:
            extend(terms)
            append(terms[0][0])
    if not first.isdisjoint(keys):
        maxl = syn.max_len
        for i, k in enumerate(keys):
            if k not in first:
                continue
            for n in range(2, maxl + 1):
                cand = tuple(keys[i : i + n])
                if len(cand) == n and cand in phrases:
                    out.append((phrase_term(cand), 1.0))
    return out


def index_tokens(text: str) -> list[str]:
    """Terms of a text for indexing (duplicates kept, weights dropped)."""
    return [t for t, _ in analyze(text)]


# ------------------------------------------------------------ query parsing


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a query group: *all* ``terms`` must be present."""

    terms: tuple[str, ...]
    boost: float
    kind: str  # exact | variant | parts | synonym | fuzzy


@dataclass(frozen=True)
class Group:
    """One concept of the query (a word, or a multi-word synonym phrase).

    A document's score for the group is the best of its alternatives."""

    text: str  # the user's words
    alternatives: tuple[Alternative, ...]
    weight: float = 1.0
    filler: bool = False
    words: tuple[str, ...] = ()  # folded surface words (for spelling)

    def terms(self) -> set[str]:
        return {t for a in self.alternatives for t in a.terms}


@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[Group, ...]
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def terms(self) -> set[str]:
        """Every term any alternative looks for (for highlighting)."""
        out: set[str] = set()
        for g in self.groups:
            out |= g.terms()
        return out


def _variants(term: str) -> list[str]:
    """Derivational variants of a stem: "warnung" → "warn" (Frühwarnsystem)."""
    out = []
    if term.endswith("ung") and len(term) >= 7:
        out.append(term[:-3])
    return out


def _word_alternatives(word: str, boost_scale: float = 1.0) -> list[Alternative]:
    terms = analyze_word(word)
    if not terms:
        return []
    whole = terms[0][0]
    alts = [Alternative((whole,), BOOST_EXACT * boost_scale, "exact")]
    for v in _variants(whole):
        alts.append(Alternative((v,), BOOST_VARIANT * boost_scale, "variant"))
    leaves = _split_folded(fold(word))
    if leaves:
        stems = tuple(dict.fromkeys(_stem_folded(p) for p in leaves if len(p) >= 2))
        if len(stems) > 1:
            alts.append(Alternative(stems, BOOST_PARTS * boost_scale, "parts"))
    return alts


def _dedupe(alts: Iterable[Alternative]) -> tuple[Alternative, ...]:
    best: dict[tuple[str, ...], Alternative] = {}
    for a in alts:
        cur = best.get(a.terms)
        if cur is None or a.boost > cur.boost:
            best[a.terms] = a
    return tuple(sorted(best.values(), key=lambda a: -a.boost))


def _synonym_alternatives(key: tuple[str, ...], syn: Synonyms) -> list[Alternative]:
    alts: list[Alternative] = []
    for dst in syn.expansions.get(key, ()):
        if len(dst) == 1:
            alts.append(Alternative(dst, BOOST_SYNONYM, "synonym"))
        else:
            alts.append(Alternative((phrase_term(dst),), BOOST_SYNONYM, "synonym"))
            alts.append(Alternative(dst, BOOST_SYNONYM_PARTS, "synonym"))
    return alts


def parse_query(text: str, synonyms: Synonyms | None = None) -> ParsedQuery:
    """Turn user input into groups of alternatives.

    Each word becomes a group with alternatives: the exact stem (1.0), a
    derivational variant (0.6), all compound parts together (0.75) and
    synonyms (0.85; multi-word synonyms as phrase term, or all their words at
    0.55).  A multi-word synonym typed by the user ("künstliche Intelligenz")
    becomes one group.  Stop words vanish; filler words get a low weight.
    Quotes and operators are ignored: the query is free text.
    """
    syn = synonyms if synonyms is not None else load_synonyms()
    words = [w.text for w in tokenize(text[:1000])]
    items: list[tuple[str, str]] = []  # (surface, key)
    for w in words:
        k = _word_key(w)
        if k:
            items.append((w, k))
    del items[MAX_QUERY_WORDS:]
    groups: list[Group] = []
    i = 0
    while i < len(items):
        matched = 0
        for n in range(min(syn.max_len, len(items) - i), 1, -1):
            key = tuple(k for _, k in items[i : i + n])
            if key in syn.expansions or key in syn.phrases:
                matched = n
                break
        if matched:
            seg = items[i : i + matched]
            key = tuple(k for _, k in seg)
            alts = [Alternative((phrase_term(key),), BOOST_EXACT, "exact"), Alternative(key, 0.8, "parts")]
            alts += _synonym_alternatives(key, syn)
            groups.append(
                Group(
                    text=" ".join(s for s, _ in seg),
                    alternatives=_dedupe(alts),
                    words=tuple(fold(s) for s, _ in seg),
                )
            )
            i += matched
            continue
        surface, key = items[i]
        alts = _word_alternatives(surface)
        alts += _synonym_alternatives((key,), syn)
        filler = key in _FILLER_STEMS
        groups.append(
            Group(
                text=surface,
                alternatives=_dedupe(alts),
                weight=FILLER_WEIGHT if filler else 1.0,
                filler=filler,
                words=(fold(surface),),
            )
        )
        i += 1
    if groups and all(g.filler for g in groups):
        groups = [Group(g.text, g.alternatives, 1.0, False, g.words) for g in groups]
    return ParsedQuery(groups=tuple(groups), text=text)


def fuzzy_group(group: Group, correction: Correction) -> Group:
    """``group`` plus the alternatives of a spelling correction (boost ×0.7)."""
    if correction.word:
        base = _word_alternatives(correction.word)
    else:
        base = [Alternative((correction.term,), BOOST_EXACT, "exact")]
    base += _synonym_alternatives((correction.term,), load_synonyms())
    extra = [Alternative(a.terms, round(a.boost * BOOST_FUZZY, 4), "fuzzy") for a in base]
    return Group(group.text, _dedupe([*group.alternatives, *extra]), group.weight, group.filler, group.words)


# -------------------------------------------------------------- highlighting


@lru_cache(maxsize=300_000)
def _word_terms_cached(word: str) -> frozenset[str]:
    return frozenset(t for t, _ in analyze_word(word))


def word_terms(word: str) -> frozenset[str]:
    """All terms (whole stem and parts) of a word, for highlighting."""
    return _word_terms_cached(word)


_PLAIN_CHARS = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "s"), ("-", ""), ("‐", ""), ("‑", ""))


def _plain_form(s: str) -> str:
    """Lowercase text with umlauts reduced to their base vowel (ae → a …)
    and ss → s: every stem or compound part of a word is a substring of the
    word's plain form (as plain string).  ``str.replace`` runs in C, unlike
    ``str.translate`` with a mapping, which matters for whole texts."""
    p = s.lower()
    for a, b in _PLAIN_CHARS:
        if a in p:
            p = p.replace(a, b)
    if "e" in p:
        p = p.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return p.replace("ss", "s") if "ss" in p else p


_plain = lru_cache(maxsize=300_000)(_plain_form)


@lru_cache(maxsize=2048)
def _pieces_regex(pieces: frozenset[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True)))


_JOINERS = "-‐‑"


def _occurrences(text: str, word: str) -> Iterator[tuple[int, int]]:
    """Spans where ``word`` stands as a whole word of :data:`_WORD_RE` in ``text``
    (no letter or digit, nor one joined by a hyphen, on either side)."""
    n, size = len(text), len(word)
    start = text.find(word)
    while start != -1:
        end = start + size
        before = start == 0 or not (
            text[start - 1].isalnum() or (text[start - 1] in _JOINERS and start > 1 and text[start - 2].isalnum())
        )
        after = end == n or not (
            text[end].isalnum() or (text[end] in _JOINERS and end + 1 < n and text[end + 1].isalnum())
        )
        if before and after:
            yield start, end
        start = text.find(word, start + 1)


def match_spans(
    text: str, terms: set[str] | frozenset[str], whole_only: set[str] | frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """Character spans of words in ``text`` matching query terms.

    A word matches when its whole stem or one of its compound parts is in
    ``terms``, or its whole stem is in ``whole_only``; the words of a
    multi-word phrase term (``a_b``) match when they stand side by side.
    A text whose plain form contains no term is rejected by one scan; else
    each distinct word is tested once, and only words containing (the plain
    form of) some term are analysed."""
    if not text:
        return []
    terms = frozenset(terms)
    whole_only = frozenset(whole_only)
    pieces = {_plain(p) for t in terms | whole_only for p in t.split("_") if len(p) >= 2}
    if not pieces:
        return []
    rx = _pieces_regex(frozenset(pieces))
    if rx.search(_plain_form(text)) is None:
        return []
    phrase_keys = {p for t in terms if "_" in t for p in t.split("_")}
    matching: set[str] = set()
    keys: dict[str, str] = {}
    words = list(set(_WORD_RE.findall(text)))
    # one scan over all distinct words (plain forms joined by newlines) finds
    # the few that contain a term; only those are analysed
    joined = "\n".join(map(_plain, words))
    hits: set[int] = set()
    for m in rx.finditer(joined):
        hits.add(joined.count("\n", 0, m.start()))
    for i in hits:
        w = words[i]
        analysed = analyze_word(w)
        if not analysed:
            continue
        key = analysed[0][0]
        if key in whole_only or not _word_terms_cached(w).isdisjoint(terms):
            matching.add(w)
        if key in phrase_keys:
            keys[w] = key
    if not matching and not keys:
        return []
    spans = [span for w in matching for span in _occurrences(text, w)]
    keyed = sorted(((k, *span) for w, k in keys.items() for span in _occurrences(text, w)), key=lambda x: x[1])
    for ph in (tuple(t.split("_")) for t in terms if "_" in t):
        k = len(ph)
        for i in range(len(keyed) - k + 1):
            run = keyed[i : i + k]
            if tuple(x[0] for x in run) != ph:
                continue
            gaps = (text[run[j][2] : run[j + 1][1]] for j in range(k - 1))
            if all(not any(ch.isalnum() for ch in g) and len(g) < 4 for g in gaps):
                spans.extend((x[1], x[2]) for x in run)
    if not spans:
        return spans
    spans.sort()
    merged = [spans[0]]
    for s, e in spans[1:]:
        ls, le = merged[-1]
        if s < le:
            merged[-1] = (ls, max(le, e))
        elif s != ls:
            merged.append((s, e))
    return merged


# ------------------------------------------------------------------ spelling

_ALPHABET = "abcdefghijklmnopqrstuvwxyzäöüß"


def _edits1(w: str) -> dict[str, int]:
    """Distance-1 edits of ``w`` → rank of the edit kind (lower = likelier
    typo: a left-out letter, swapped letters, a wrong letter, an extra one)."""
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    out: dict[str, int] = {}
    for rank, edits in enumerate(
        (
            [a + c + b for a, b in splits for c in _ALPHABET],
            [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1],
            [a + c + b[1:] for a, b in splits if b for c in _ALPHABET],
            [a + b[1:] for a, b in splits if b],
        )
    ):
        for e in edits:
            out.setdefault(e, rank)
    return out


def edit_stems(low: str) -> list[tuple[str, int, str]]:
    """``(edit, rank, stem)`` for the distance-1 edits of a lowercase word (see :func:`_edits1`)."""
    edits = _edits1(low)
    # one batch through the C stemmer; only edits with umlauts or ß need folding
    stems = _stemmer().stemWords([e if e.isascii() else e.translate(_FOLD_MAP) for e in edits])
    return [(e, rank, t if len(e) > 2 else e) for (e, rank), t in zip(edits.items(), stems, strict=True)]


def _osa_last_row(a: str, b: str, limit: int) -> list[int] | None:
    """The last row of the optimal-string-alignment table of ``a`` against ``b``
    (entry ``j``: distance of ``a`` to ``b[:j]``); None once every entry exceeds ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        ca = a[i - 1]
        row_min = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return None
        prev2, prev = prev, cur
    return prev


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, returns ``limit + 1`` when above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = _osa_last_row(a, b, limit)
    return limit + 1 if row is None else row[len(b)]


def _prefix_distance(stem_: str, word: str, limit: int, max_rest: int = 4) -> int:
    """Smallest OSA distance between ``stem_`` and a prefix of ``word`` that
    leaves at most ``max_rest`` letters (an inflection suffix) unmatched."""
    m, n = len(stem_), len(word)
    if n - m > limit + max_rest or m - n > limit:
        return limit + 1
    row = _osa_last_row(stem_, word, limit)
    if row is None:
        return limit + 1
    return min(row[j] for j in range(max(0, n - max_rest), n + 1))


_UMLAUT_PAIRS = re.compile(r"ae|oe|(?<!q)ue")


def max_edits(word: str) -> int:
    """Edit distance allowed for a word of this length (0, 1 or 2)."""
    n = len(word)
    if n < 4:
        return 0
    if n < 8:
        return 1
    return 2


@dataclass(frozen=True)
class Correction:
    """A spelling correction: ``term`` is the index term (stem) it maps to,
    ``word`` the corrected surface word when known (edit distance 1)."""

    term: str
    word: str | None
    distance: int
    df: int


class Vocabulary(Protocol):
    """What the speller needs from an index: document frequencies of terms
    and the terms starting with a prefix (a range scan in any sorted term
    dictionary: whoosh ``expand_prefix``, SQL ``LIKE 'abc%'``)."""

    def df(self, term: str) -> int: ...

    def with_prefix(self, prefix: str) -> Iterable[str]: ...


class MappingVocabulary:
    """:class:`Vocabulary` over a ``{term: df}`` mapping."""

    def __init__(self, mapping: Mapping[str, int]) -> None:
        self._m = mapping
        self._prefix: dict[str, list[str]] | None = None

    def df(self, term: str) -> int:
        return self._m.get(term, 0)

    def with_prefix(self, prefix: str) -> Iterable[str]:
        if len(prefix) != 3:
            return [t for t in self._m if t.startswith(prefix)]
        if self._prefix is None:
            buckets: dict[str, list[str]] = {}
            for t in self._m:
                buckets.setdefault(t[:3], []).append(t)
            self._prefix = buckets
        return self._prefix.get(prefix, ())


class Speller:
    """Spelling correction against the index vocabulary.

    ``vocabulary`` maps index terms (the stems this module produces) to their
    document frequency (a mapping, or any :class:`Vocabulary`).  A word is
    *known* when its stem (or all its compound parts) is in the vocabulary.
    Distance-1 corrections are found by editing the typed word (keeping its
    umlauts and case) and stemming the candidates, so the suggestion is a
    real spelling; distance 2 (words of 8+ letters) compares the stems that
    share the word's first three letters and only yields the term."""

    def __init__(self, vocabulary: Mapping[str, int] | Vocabulary) -> None:
        if isinstance(vocabulary, Mapping):
            vocabulary = MappingVocabulary(vocabulary)
        self.vocabulary = vocabulary
        self._candidates: dict[str, list[Correction]] = {}

    def term_df(self, term: str) -> int:
        return self.vocabulary.df(term)

    def df(self, word: str) -> int:
        """Document frequency of a word's stem (0 if unknown)."""
        terms = analyze_word(word)
        return self.vocabulary.df(terms[0][0]) if terms else 0

    def is_known(self, word: str) -> bool:
        terms = analyze_word(word)
        df = self.vocabulary.df
        if not terms or df(terms[0][0]):
            return True
        leaves = _split_folded(fold(word))
        return bool(leaves) and all(df(_stem_folded(p)) for p in leaves)

    def candidates(self, word: str) -> list[Correction]:
        """Corrections best first (smallest distance, then most frequent); remembered per
        word, as scoring and the "Meinten Sie" suggestion ask for the same words."""
        found = self._candidates.get(word)
        if found is None:
            if len(self._candidates) >= 2048:
                self._candidates.clear()
            found = self._candidates[word] = self._find_candidates(word)
        return list(found)

    def _find_candidates(self, word: str) -> list[Correction]:
        low = unicodedata.normalize("NFKC", word).lower()
        f = fold(low)
        limit = max_edits(f)
        if not limit or not f.isalpha():
            return []
        own = _stem_folded(f)
        vdf = self.vocabulary.df
        found: dict[str, Correction] = {}
        ranks: dict[str, int] = {}
        dfs: dict[str, int] = {}
        for e, rank, t in edit_stems(low):
            if t == own:
                continue
            df = dfs.get(t)
            if df is None:
                df = dfs[t] = vdf(t)
            if df:
                cur = ranks.get(t)
                if cur is None or rank < cur or (rank == cur and e < (found[t].word or "")):
                    ranks[t] = rank
                    found[t] = Correction(t, e, 1, df)
        if not found and limit >= 2:
            # stems lose suffixes and umlauts: compare with the word's prefixes
            plain = _UMLAUT_PAIRS.sub(lambda m: m.group()[0], f)
            for t in self.vocabulary.with_prefix(own[:3]):
                if t == own or len(t) > len(plain) + 2 or len(t) < len(own) - 2 or not t.isalpha():
                    continue
                d = min(_osa_distance(own, t, 2), _prefix_distance(t, plain, 2))
                if d <= 2:
                    found[t] = Correction(t, None, d, vdf(t))
        return sorted(found.values(), key=lambda c: (c.distance, -c.df, c.term))

    def correct(self, word: str, rare_df: int = 0) -> Correction | None:
        """The best correction of ``word`` if it is unknown (or its stem has
        df ≤ ``rare_df``) and the correction is at least 10× more frequent."""
        if rare_df <= 0 and self.is_known(word):
            return None
        df = self.df(word)
        if df > rare_df:
            return None
        for c in self.candidates(word):
            if c.df >= max(1, 10 * df):
                return c
            break
        return None

    def suggest(self, query_text: str, display: Callable[[str], str | None] | None = None) -> str | None:
        """The query with unknown/rare words corrected, or None.

        ``display(term)`` may supply a surface word for a distance-2
        correction (e.g. from a document containing the term)."""
        changed = False
        out: list[str] = []
        pos = 0
        for m in _WORD_RE.finditer(query_text):
            w = m.group()
            out.append(query_text[pos : m.start()])
            pos = m.end()
            repl = None
            if fold(w) not in _STOPWORDS and not self.is_known(w):
                c = self.correct(w)
                if c is not None:
                    repl = c.word or (display(c.term) if display is not None else None)
            elif fold(w) not in _STOPWORDS and self.df(w) == 1:
                c = self.correct(w, rare_df=1)  # rare word, much more frequent neighbour
                if c is not None and c.word:
                    repl = c.word
            if repl:
                changed = True
                out.append(_match_case(w, repl))
            else:
                out.append(w)
        out.append(query_text[pos:])
        return "".join(out) if changed else None


def _match_case(original: str, repl: str) -> str:
    if original.isupper() and len(original) > 1:
        return repl.upper()
    if original[:1].isupper():
        return repl[:1].upper() + repl[1:]
    return repl


def suggest(query_text: str, vocabulary: Mapping[str, int] | Speller) -> str | None:
    """Corrected query if a word is unknown/rare and a close frequent term exists.

    ``vocabulary`` maps index terms to document frequencies (or is a
    :class:`Speller` to reuse across calls)::

        suggest("Digitalisierng", {"digitalisier": 12}) == "Digitalisierung"
    """
    sp = vocabulary if isinstance(vocabulary, Speller) else Speller(vocabulary)
    return sp.suggest(query_text)
