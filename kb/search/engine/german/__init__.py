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
  ``Speller.correct(word)`` (None for a German word, :func:`is_german_word`,
  or a word of the index), ``suggest(query_text, vocabulary) -> str | None``;
* highlighting: ``match_spans(text, terms, whole_only)``, ``prepare_words(texts)`` (warm its caches);
* ``load_synonyms()`` / ``parse_synonyms(lines)``, ``data_dir()``,
  ``reset_caches()``.

May import only itself (and PyStemmer).
"""

from kb.search.engine.german.analysis import analyze, index_tokens
from kb.search.engine.german.compounds import MIN_PART, MIN_SPLIT, PART_WEIGHT, analyze_word, split_compound
from kb.search.engine.german.heads import PARTIAL_KINDS, variants
from kb.search.engine.german.highlight import match_spans, prepare_words, word_terms
from kb.search.engine.german.known import in_word_list, is_german_word
from kb.search.engine.german.normalise import Word, data_dir, fold, is_stopword, stem, tokenize
from kb.search.engine.german.query import (
    BOOST_EXACT,
    BOOST_FUZZY,
    BOOST_PARTS,
    BOOST_SYNONYM,
    BOOST_SYNONYM_PARTS,
    BOOST_VARIANT,
    FILLER_WEIGHT,
    MAX_QUERY_WORDS,
    Alternative,
    Group,
    ParsedQuery,
    fuzzy_group,
    parse_query,
    substantive,
)
from kb.search.engine.german.spelling import (
    Correction,
    MappingVocabulary,
    Speller,
    Vocabulary,
    edit_stems,
    match_case,
    max_edits,
    suggest,
)
from kb.search.engine.german.synonyms import Synonyms, load_synonyms, parse_synonyms, phrase_term, reset_caches

__all__ = [
    "Alternative",
    "BOOST_EXACT",
    "BOOST_FUZZY",
    "BOOST_PARTS",
    "BOOST_SYNONYM",
    "BOOST_SYNONYM_PARTS",
    "BOOST_VARIANT",
    "Correction",
    "FILLER_WEIGHT",
    "Group",
    "MAX_QUERY_WORDS",
    "MIN_PART",
    "MIN_SPLIT",
    "MappingVocabulary",
    "PARTIAL_KINDS",
    "PART_WEIGHT",
    "ParsedQuery",
    "Speller",
    "Synonyms",
    "Vocabulary",
    "Word",
    "analyze",
    "analyze_word",
    "data_dir",
    "edit_stems",
    "fold",
    "fuzzy_group",
    "in_word_list",
    "index_tokens",
    "is_german_word",
    "is_stopword",
    "load_synonyms",
    "match_case",
    "match_spans",
    "max_edits",
    "parse_query",
    "parse_synonyms",
    "phrase_term",
    "prepare_words",
    "reset_caches",
    "split_compound",
    "stem",
    "substantive",
    "suggest",
    "tokenize",
    "variants",
    "word_terms",
]
