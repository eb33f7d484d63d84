"""The reader caches: immutable per-segment data and one dense view per index generation."""

from __future__ import annotations

import json
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from whoosh import index
from whoosh.reading import EmptyReader, MultiReader, SegmentReader

from kb.search.engine import german
from kb.search.engine.base import SearchError
from kb.search.engine.whoosh.codec import _EMPTY_IDS, _EMPTY_WS, _numeric_column, _read_postings, latest_toc

_FACET_FIELDS = {"topic": "topics", "state": "states", "status": "statuses", "size": "sizes"}


# ------------------------------------------------------------- reader caches


@dataclass
class _Segment:
    """Immutable per-segment data (cached by segment id across generations)."""

    count: int
    ids: np.ndarray  # docnum -> case id
    published: np.ndarray
    adopters: np.ndarray
    facets: dict[str, dict[str, np.ndarray]]  # field -> value -> local docnums
    postings: OrderedDict = field(default_factory=OrderedDict)  # term -> (docnums, impacts)
    cached_postings: int = 0
    text_terms: frozenset[bytes] | None = None  # spelling: all terms, loaded on demand
    texts: object | None = None  # column reader of ``hl`` (opened on first use, kept with the segment)
    highlights: dict = field(default_factory=dict)  # (local docnum, highlight terms) -> highlights


@dataclass
class _View:
    """Dense arrays over the global docnums of one index generation."""

    reader: object
    generation: int
    leaves: list[tuple[object, int, _Segment]]  # (segment reader, offset, data)
    size: int
    live: np.ndarray  # bool
    n_live: int
    ids: np.ndarray
    published: np.ndarray
    adopters: np.ndarray
    facet_values: dict[str, list[str]]
    facet_matrix: dict[str, np.ndarray]  # field -> bool[values, docs]
    facet_packed: dict[str, np.ndarray]  # the same bit-packed as uint64 rows (fast counting)
    facet_pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]  # field -> (per-doc offsets,
    # value rows, and for a field with at most one value per doc its row per doc, -1 for none)
    newest: np.ndarray | None = None
    terms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    speller: german.Speller | None = None


class _IndexVocabulary:
    """:class:`kb.search.engine.german.Vocabulary` backed by the segments' term tables."""

    def __init__(self, view: _View) -> None:
        self._leaves = [(r, d) for r, _o, d in view.leaves]
        self._readers = [r for r, _d in self._leaves]
        self._cache: dict[str, int] = {}
        self._sets: list[frozenset[bytes]] | None = None
        self._all: frozenset[bytes] | None = None  # every segment's terms (one probe rejects an unknown term)

    def _term_sets(self) -> list[frozenset[bytes]]:
        if self._sets is None:
            out = []
            for r, d in self._leaves:
                if d.text_terms is None:
                    d.text_terms = frozenset(r.lexicon("text"))
                out.append(d.text_terms)
            self._sets = out
        return self._sets

    def _all_terms(self) -> frozenset[bytes]:
        if self._all is None:
            sets = self._term_sets()
            self._all = sets[0] if len(sets) == 1 else frozenset().union(*sets)
        return self._all

    def present(self, terms: Iterable[str]) -> set[str]:
        """Those of ``terms`` some segment holds (one set intersection)."""
        encoded = {t.encode("utf-8"): t for t in terms}
        return {encoded[b] for b in (self._all or self._all_terms()).intersection(encoded)}  # iterates ``encoded``

    def df(self, term: str) -> int:
        hit = self._cache.get(term)
        if hit is None:
            b = term.encode("utf-8")
            # an in-memory membership test first: the speller probes ~900
            # edits per unknown word, whoosh's term table lookup is slower
            if b not in (self._all or self._all_terms()):
                hit = 0
            else:
                hit = sum(r.doc_frequency("text", term)
                          for r, ts in zip(self._readers, self._term_sets(), strict=True) if b in ts)
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[term] = hit
        return hit

    def with_prefix(self, prefix: str) -> Iterable[str]:
        seen: set[str] = set()
        for r in self._readers:
            for t in r.expand_prefix("text", prefix):
                seen.add(t.decode("utf-8") if isinstance(t, bytes) else t)
        return seen


def _pack(bits: np.ndarray) -> np.ndarray:
    """Bool vector/matrix → bit-packed uint64 words along the last axis (popcount
    of ``a & b`` then counts matches without BLAS or large temporaries)."""
    n = bits.shape[-1]
    pad = (-n) % 64
    if pad:  # zeros after the bits (np.pad does the same, with much more work around it)
        padded = np.zeros((*bits.shape[:-1], n + pad), dtype=bool)
        padded[..., :n] = bits
        bits = padded
    return np.packbits(bits, axis=-1).view(np.uint64)


def _pairs(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A bool [values, docs] matrix as rows: the value rows of doc ``d`` are
    ``rows[offsets[d]:offsets[d + 1]]``; with at most one value per doc also that row per doc."""
    docs, rows = np.nonzero(matrix.T)
    per_doc = np.bincount(docs, minlength=matrix.shape[1])
    offsets = np.zeros(matrix.shape[1] + 1, dtype=np.int64)
    np.cumsum(per_doc, out=offsets[1:])
    single = None
    if not len(per_doc) or per_doc.max() <= 1:
        single = np.full(matrix.shape[1], -1, dtype=np.int64)
        single[docs] = rows
    return offsets, rows, single


class IndexViews:
    """Reading side of :class:`WhooshBackend`: one cached view per index generation, postings and stored texts."""

    # --------------------------------------------------------------- reading

    def _load_segment(self, segreader) -> _Segment:
        count = segreader.doc_count_all()
        ids = _numeric_column(segreader, "docid", count, -1, "int64")
        published = _numeric_column(segreader, "published", count, 0.0, "float64")
        adopters = _numeric_column(segreader, "adopters", count, 0, "int32")
        facets: dict[str, dict[str, np.ndarray]] = {}
        indexed = set(segreader.indexed_field_names())
        for fname in _FACET_FIELDS:
            values: dict[str, np.ndarray] = {}
            if fname in indexed:
                for term in list(segreader.lexicon(fname)):
                    value = term.decode("utf-8") if isinstance(term, bytes) else term
                    values[value] = _read_postings(segreader, fname, value)[0]
            facets[fname] = values
        return _Segment(count, ids, published, adopters, facets)

    def _current(self) -> _View:
        """The view of the latest index generation (reopened only on change).

        A fresh reader is opened on change, keeping the readers of unchanged
        segments (:meth:`_open_reader`); per-segment data is cached by segment
        id and reused."""
        with self._view_lock:
            view = self._view
            try:
                latest = self._ix.latest_generation()
            except OSError:
                latest = -2
            if view is not None and view.generation == latest:
                return view
            last_exc: Exception | None = None
            for _ in range(5):
                try:
                    new = self._make_view(self._open_reader())
                    break
                except (OSError, index.EmptyIndexError) as exc:  # a writer swapped files
                    last_exc = exc
                    time.sleep(0.05)
                    self._ix = index.open_dir(str(self.index_dir), schema=self.schema)
            else:
                raise SearchError(f"cannot open search index: {last_exc}")
            # old readers are not closed explicitly: a search in another thread
            # may still use them; they are released with their last reference
            self._view = new
            return new

    def _open_reader(self):
        """A reader of the latest generation that keeps the open reader of every segment that did not
        change: a segment's files are written once, only its deletions grow (whoosh's own ``reuse``
        closes readers a search in another thread may still use). Opening every segment anew after
        each "Wir nutzen das auch" cost each worker a reader per segment."""
        toc = latest_toc(self._ix)
        if not toc.segments:
            self._segment_readers = {}
            return EmptyReader(toc.schema)
        kept = {}
        for segment in toc.segments:
            key = (segment.segment_id(), segment.deleted_count())
            kept[key] = self._segment_readers.get(key) or SegmentReader(self._ix.storage, toc.schema, segment,
                                                        generation=toc.generation)
        self._segment_readers = kept
        return MultiReader(list(kept.values()), generation=toc.generation)

    def _make_view(self, reader) -> _View:
        leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
        seen: dict[str, _Segment] = {}
        out: list[tuple[object, int, _Segment]] = []
        for segreader, offset in leaves:
            seg = segreader.segment() if hasattr(segreader, "segment") else None
            seg_id = seg.segment_id() if seg is not None else f"reader-{id(segreader)}"
            data = self._segments.get(seg_id) or self._load_segment(segreader)
            seen[seg_id] = data
            out.append((segreader, offset, data))
        self._segments = seen
        size = sum(d.count for _r, _o, d in out)
        live = np.ones(size, dtype=bool)
        for segreader, offset, _data in out:
            if segreader.has_deletions():
                dels = np.fromiter(segreader.deleted_docs_set, dtype=np.int64)
                live[dels + offset] = False
        cat = np.concatenate if out else (lambda xs: np.zeros(0))
        values: dict[str, list[str]] = {}
        matrix: dict[str, np.ndarray] = {}
        for fname in _FACET_FIELDS:
            names = sorted({v for _r, _o, d in out for v in d.facets[fname]})
            m = np.zeros((len(names), size), dtype=bool)
            for row, v in enumerate(names):
                for _r, offset, data in out:
                    docs = data.facets[fname].get(v)
                    if docs is not None and len(docs):
                        m[row, docs + offset] = True
            values[fname], matrix[fname] = names, m
        return _View(
            reader=reader,
            generation=reader.generation(),
            leaves=out,
            size=size,
            live=live,
            n_live=int(live.sum()),
            ids=cat([d.ids for _r, _o, d in out]) if out else np.zeros(0, dtype=np.int64),
            published=cat([d.published for _r, _o, d in out]) if out else np.zeros(0),
            adopters=cat([d.adopters for _r, _o, d in out]) if out else np.zeros(0, dtype=np.int32),
            facet_values=values,
            facet_matrix=matrix,
            facet_packed={k: _pack(m) for k, m in matrix.items()},
            facet_pairs={k: _pairs(m) for k, m in matrix.items()},
        )

    def _postings(self, segreader, data: _Segment, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Local docnums (int32: a segment's docnums fit, and the cache holds a third more postings
        in the same memory) and impacts of a term in one segment (cached; each segment gets the
        share of the cache its documents are of all)."""
        cache = data.postings
        with self._cache_lock:
            hit = cache.get(term)
            if hit is not None:
                cache.move_to_end(term)
                return hit
        ids, weights = _read_postings(segreader, "text", term)
        entry = (ids.astype(np.int32), weights)
        with self._cache_lock:
            if term not in cache:
                cache[term] = entry
                data.cached_postings += len(ids) + 1
            total = sum(d.count for d in self._segments.values())
            limit = self.postings_cache * data.count // max(1, total)
            while data.cached_postings > limit and len(cache) > 1:
                _t, (old_ids, _w) = cache.popitem(last=False)
                data.cached_postings -= len(old_ids) + 1
        return entry

    def _warm_postings(self, view: _View, share: float = 1.0, min_df: int = 16) -> int:
        """Read the postings of the most frequent terms (the costliest to read: about 1 ms for a
        term in every document of 50,000, 0.1–0.2 ms for one in some hundred) into ``share`` of
        the postings cache, split among the segments by their size; terms in fewer than ``min_df``
        documents of a segment are cheap to read when asked for. Return the number of postings read."""
        read = 0
        for segreader, _off, data in view.leaves:
            budget = int(self.postings_cache * share * data.count / max(1, view.size))
            if data.count < min_df or "text" not in segreader.indexed_field_names():
                continue
            by_df = sorted(((info.doc_frequency(), term) for term, info in segreader.iter_field("text")
                            if info.doc_frequency() >= min_df), reverse=True)
            used = 0
            for df, term in by_df:
                if used + df > budget:
                    break
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                used += len(self._postings(segreader, data, text)[0])
            read += used
        return read

    def _term(self, view: _View, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums and impacts of a term (cached per generation)."""
        hit = view.terms.get(term)
        if hit is not None:
            return hit
        parts_ids = []
        parts_ws = []
        for segreader, off, data in view.leaves:
            ids, ws = self._postings(segreader, data, term)
            if len(ids):
                global_ids = ids.astype(np.int64)
                if off:
                    global_ids += off
                parts_ids.append(global_ids)
                parts_ws.append(ws)
        if not parts_ids:
            entry = (_EMPTY_IDS, _EMPTY_WS)
        elif len(parts_ids) == 1:
            entry = (parts_ids[0], parts_ws[0])
        else:
            entry = (np.concatenate(parts_ids), np.concatenate(parts_ws))
        if len(view.terms) > 5000:
            view.terms.clear()
        view.terms[term] = entry
        return entry

    def _df(self, view: _View, term: str) -> int:
        return len(self._term(view, term)[0])

    def _speller_for(self, view: _View) -> german.Speller:
        """Speller over this generation's ``text`` terms (no enumeration:
        term lookups and prefix scans in whoosh's term table)."""
        if view.speller is None:
            view.speller = german.Speller(_IndexVocabulary(view))
        return view.speller

    def _display_word(self, view: _View, term: str) -> str | None:
        """A surface word of some document whose whole stem is ``term``."""
        ids, _ws = self._term(view, term)
        for d in ids[:5]:
            d = int(d)
            if not view.live[d]:
                continue
            texts = self._stored_texts(view, d)
            if texts is None:
                continue
            for text in (texts["t"], texts["s"], texts["b"]):
                for w in german.tokenize(text):
                    t = german.analyze_word(w.text)
                    if t and t[0][0] == term:
                        return w.text
        return None

    def _stored_texts(self, view: _View, docnum: int) -> dict | None:
        """Title, summary and body of a document as stored for highlighting. The column is read
        through a reader kept with the segment: opening it reads one offset per document (0.1 s at
        25,000 documents), a new index generation keeps its unchanged segments."""
        try:
            leaf = next((leaf for leaf in view.leaves if leaf[1] <= docnum < leaf[1] + leaf[2].count), None)
            if leaf is None:
                return None
            segreader, offset, data = leaf
            reader = data.texts
            if reader is None:
                reader = data.texts = segreader.column_reader("hl")
            raw = reader[docnum - offset]
        except Exception:  # noqa: BLE001
            return None
        return json.loads(zlib.decompress(raw).decode()) if raw else None
