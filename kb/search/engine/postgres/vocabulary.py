"""The vocabulary table as :class:`kb.search.engine.german.Vocabulary`, for idf and spelling.

Spelling correction uses the Python :class:`~kb.search.engine.german.Speller` (the same suggestions
as the Whoosh backend; ``pg_trgm`` is not needed). The speller probes hundreds of edits of an
unknown word: their stems are fetched in one query first instead of one query per probe.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from sqlalchemy.engine import Connection

from kb.search.engine import german
from kb.search.engine.postgres.schema import Tables


class TermTable:
    """Document frequencies from ``<prefix>_term``, cached for one search."""

    def __init__(self, conn: Connection, tables: Tables) -> None:
        self._conn = conn
        self._sql = tables.sql
        self.known: dict[str, int] = {}
        self._speller: german.Speller | None = None
        self._documents: int | None = None

    def load(self, terms: Iterable[str]) -> None:
        """Fetch the document frequencies of ``terms`` not looked up yet (0 if absent)."""
        missing = sorted({t for t in terms if t not in self.known})
        if not missing:
            return
        sql = "SELECT term, df FROM {term} WHERE term = ANY(CAST(:terms AS text[]))"
        if self._documents is None:  # the document count rides along (one round trip less per search)
            sql += " UNION ALL SELECT NULL, count(*) FROM {doc}"
        found = dict(self._conn.execute(self._sql(sql), {"terms": missing}).all())
        if self._documents is None:
            self._documents = int(found.pop(None))
        for t in missing:
            self.known[t] = max(0, int(found.get(t, 0)))

    def document_count(self) -> int:
        """The number of indexed documents (asked once per search)."""
        if self._documents is None:
            self._documents = self._conn.execute(self._sql("SELECT count(*) FROM {doc}")).scalar_one()
        return self._documents

    def df(self, term: str) -> int:
        if term not in self.known:
            self.load([term])
        return self.known[term]

    def with_prefix(self, prefix: str) -> list[str]:
        if not prefix:
            return []
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = self._conn.execute(
            self._sql("SELECT term, df FROM {term} WHERE term >= :lo AND term < :hi AND df > 0"),
            {"lo": prefix, "hi": upper},
        ).all()
        self.known.update(rows)
        return [t for t, _df in rows]

    def speller(self) -> german.Speller:
        if self._speller is None:
            self._speller = _PrefetchingSpeller(self)
        return self._speller


def edit_terms(word: str) -> set[str]:
    """The stems the speller will probe for ``word`` (its distance-1 edits), see ``Speller.candidates``."""
    low = unicodedata.normalize("NFKC", word).lower()
    folded = german.fold(low)
    if not german.max_edits(folded) or not folded.isalpha():
        return set()
    return {t for _e, _rank, t in german.edit_stems(low)}


def word_terms(word: str) -> set[str]:
    """The whole stem and the part stems of a word (what ``Speller.is_known`` looks up)."""
    terms = {t for t, _w in german.analyze_word(word)}
    terms.update(german.stem(p) for p in german.split_compound(word))
    return terms


class _PrefetchingSpeller(german.Speller):
    """:class:`~kb.search.engine.german.Speller` that loads the terms it will probe in one query."""

    vocabulary: TermTable

    def candidates(self, word: str) -> list[german.Correction]:
        self.vocabulary.load(edit_terms(word))
        return super().candidates(word)

    def suggest(self, query_text: str, display: Callable[[str], str | None] | None = None) -> str | None:
        words = [w.text for w in german.tokenize(query_text)]
        self.vocabulary.load({t for w in words for t in word_terms(w)})
        return super().suggest(query_text, display)
