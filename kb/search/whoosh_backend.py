"""Whoosh backend (the only module of the package that imports whoosh).

Index layout (small on purpose: the app reloads cases from the DB by id)
  ``id``       ID, unique + column (update/delete by id, docnum → id)
  ``version``  column (check-index)
  ``text``     all searchable fields in one posting list per term; the
               posting *weight* is the precomputed BM25F impact of the term
               in the document (see :mod:`kb.search.ranking`), produced by
               :class:`ImpactTokenizer` from :mod:`kb.search.german` terms
  ``spell``    lowercase surface words, existence only (spelling vocabulary)
  ``topic``/``state``/``status``  facet values, existence only
  ``published``/``adopters``      numeric columns (sorting)
  ``hl``       stored, zlib-compressed title/summary/body (snippets only)

Search does not use whoosh's query/scoring machinery: it reads the postings
of the query terms (cached per segment), combines them with the group /
alternative model of :func:`kb.search.german.parse_query`, and computes the
filters and disjunctive facet counts with integer bitsets.

Concurrency: writers in any process are serialised with an ``fcntl`` lock on
``<index_dir>/kb-write.lock`` (timeout → :class:`IndexBusyError`) around a
short-lived whoosh writer, so whoosh's ``LockError`` never surfaces.
Readers keep one cached reader per backend object and only reopen it when
the index generation on disk changed.
"""

from __future__ import annotations

import errno
import fcntl
import heapq
import json
import os
import threading
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from whoosh import columns, fields, formats, index, writing
from whoosh.analysis import Composable, Token
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.system import pack_uint

from kb.search import german, ranking
from kb.search.base import (
    IndexBusyError,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
    normalise_query,
)

__all__ = ["ImpactTokenizer", "WhooshBackend"]

LOCK_NAME = "kb-write.lock"
_FACET_FIELDS = {"topic": "topics", "state": "states", "status": "statuses"}


# ------------------------------------------------------------------ analysis


class ImpactTokenizer(Composable):
    """Whoosh tokenizer for the ``text`` field.

    Accepts a :class:`SearchDocument` (analysed with :mod:`kb.search.german`
    and :func:`kb.search.ranking.document_impacts`), a precomputed
    ``{term: impact}`` dict, or a plain string (analysed, impact = weight).
    Yields one token per distinct term whose ``boost`` is the impact."""

    is_morph = False

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):  # noqa: ANN001
        if isinstance(value, SearchDocument):
            items = ranking.document_impacts(value).items()
        elif isinstance(value, dict):
            items = value.items()
        else:
            acc: dict[str, float] = {}
            for t, w in german.analyze(str(value)):
                acc[t] = acc.get(t, 0.0) + w
            items = acc.items()
        tok = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, (term, impact) in enumerate(items):
            tok.text = term
            tok.boost = float(impact)
            tok.stopped = False
            if positions:
                tok.pos = start_pos + i
            yield tok


class ListTokenizer(Composable):
    """Yields each item of a list (or the single string) unchanged."""

    is_morph = False

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):  # noqa: ANN001
        items = [value] if isinstance(value, str) else list(value)
        tok = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, item in enumerate(dict.fromkeys(x for x in items if x)):
            tok.text = item
            tok.boost = 1.0
            tok.stopped = False
            if positions:
                tok.pos = start_pos + i
            yield tok


_FREQ_ONE = pack_uint(1)


class ImpactField(fields.FieldType):
    """Field whose value is a document, a ``{term: impact}`` dict or text;
    each term is indexed once with its impact as posting weight."""

    def __init__(self) -> None:
        super().__init__(format=formats.Frequency(), analyzer=ImpactTokenizer(), scorable=False, stored=False)

    def index(self, value, **kwargs):  # noqa: ANN001, ANN003
        for tok in self.analyzer(value, boosts=True, mode="index"):
            yield tok.text.encode("utf-8"), 1, tok.boost, _FREQ_ONE


def _field(analyzer: Composable, fmt: formats.Format) -> fields.FieldType:
    ft = fields.FieldType(format=fmt, analyzer=analyzer, scorable=False, stored=False)
    ft.spelling = False
    return ft


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(unique=True, stored=False, sortable=True),
        version=fields.COLUMN(columns.VarBytesColumn()),
        text=ImpactField(),
        spell=_field(ListTokenizer(), formats.Existence()),
        topic=_field(ListTokenizer(), formats.Existence()),
        state=_field(ListTokenizer(), formats.Existence()),
        status=_field(ListTokenizer(), formats.Existence()),
        published=fields.COLUMN(columns.NumericColumn("d", default=0.0)),
        adopters=fields.COLUMN(columns.NumericColumn("i", default=0)),
        hl=fields.STORED(),
    )


def _doc_fields(doc: SearchDocument) -> dict:
    published = doc.published.timestamp() if doc.published is not None else 0.0
    hl = zlib.compress(
        json.dumps({"t": doc.title or "", "s": doc.summary or "", "b": doc.body or ""}, ensure_ascii=False).encode(),
        6,
    )
    return {
        "id": str(doc.id),
        "version": (doc.version or "").encode(),
        "text": ranking.document_impacts(doc),
        "spell": sorted(ranking.spell_words(doc)),
        "topic": list(doc.topics or ()),
        "state": [doc.state] if doc.state else [],
        "status": [doc.status] if doc.status else [],
        "published": published,
        "adopters": int(doc.adopter_count or 0),
        "hl": hl,
    }


# ------------------------------------------------------------------- bitsets

_BYTE_BITS = tuple(tuple(i for i in range(8) if b >> i & 1) for b in range(256))


def _mask_from(docs: Iterable[int], nbits: int) -> int:
    ba = bytearray((nbits + 7) >> 3)
    for d in docs:
        ba[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(ba, "little")


def _docs_of(mask: int) -> list[int]:
    if not mask:
        return []
    out: list[int] = []
    data = mask.to_bytes((mask.bit_length() + 7) >> 3, "little")
    bits = _BYTE_BITS
    for i, b in enumerate(data):
        if b:
            base = i << 3
            out.extend(base + j for j in bits[b])
    return out


# ------------------------------------------------------------- reader caches


@dataclass
class _Segment:
    """Immutable per-segment data (cached by segment id)."""

    count: int
    ids: list[int]
    published: list[float]
    adopters: list[int]
    facets: dict[str, dict[str, int]]  # field -> value -> local mask
    postings: OrderedDict = field(default_factory=OrderedDict)
    cached_postings: int = 0


@dataclass
class _View:
    """Global view over one index generation."""

    reader: object
    generation: int
    leaves: list[tuple[object, int, _Segment]]  # (segment reader, offset, data)
    size: int
    live: int
    n_live: int
    ids: list[int]
    published: list[float]
    adopters: list[int]
    facets: dict[str, dict[str, int]]
    newest: list[int] | None = None
    df_cache: dict[str, int] = field(default_factory=dict)


class WhooshBackend:
    """Search backend storing a Whoosh index in ``index_dir``.

    Options: ``lock_timeout`` (seconds to wait for the write lock, default
    120), ``postings_cache`` (postings kept decoded per process, default
    4,000,000), ``snippet_size`` (default 200)."""

    name = "whoosh"

    def __init__(
        self,
        index_dir: str | os.PathLike,
        lock_timeout: float = 120.0,
        postings_cache: int = 4_000_000,
        snippet_size: int = 200,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.lock_timeout = lock_timeout
        self.postings_cache = postings_cache
        self.snippet_size = snippet_size
        self.schema = make_schema()
        self._thread_lock = threading.RLock()
        self._view: _View | None = None
        self._segments: dict[str, _Segment] = {}
        self._speller: german.Speller | None = None
        self._speller_gen = -1
        self._speller_time = 0.0
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with self._write_lock():
            if not index.exists_in(str(self.index_dir)):
                index.create_in(str(self.index_dir), self.schema)
        self._ix = index.open_dir(str(self.index_dir), schema=self.schema)

    # --------------------------------------------------------------- locking

    @contextmanager
    def _write_lock(self, timeout: float | None = None) -> Iterator[None]:
        timeout = self.lock_timeout if timeout is None else timeout
        path = self.index_dir / LOCK_NAME
        with self._thread_lock:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
            try:
                deadline = time.monotonic() + timeout
                delay = 0.005
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except OSError as exc:
                        if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                            raise
                        if time.monotonic() >= deadline:
                            raise IndexBusyError(f"search index {self.index_dir} is locked by another writer") from exc
                        time.sleep(delay)
                        delay = min(delay * 2, 0.2)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def _writer(self, **kwargs) -> writing.SegmentWriter:  # noqa: ANN003
        # our fcntl lock serialises writers, whoosh's own lock is free or
        # about to be released by a dying process: wait for it briefly
        return self._ix.writer(timeout=30.0, delay=0.05, **kwargs)

    # --------------------------------------------------------------- writing

    def index(self, docs: Iterable[SearchDocument]) -> None:
        prepared = [_doc_fields(d) for d in docs]  # analyse outside the lock
        if not prepared:
            return
        with self._write_lock():
            w = self._writer()
            try:
                for fields_ in prepared:
                    w.update_document(**fields_)
            except BaseException:
                w.cancel()
                raise
            w.commit()

    def remove(self, ids: Iterable[int]) -> None:
        keys = [str(int(i)) for i in ids]
        if not keys:
            return
        with self._write_lock():
            w = self._writer()
            try:
                for k in keys:
                    w.delete_by_term("id", k)
            except BaseException:
                w.cancel()
                raise
            w.commit()

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        """Replace the index content in one writer; searches keep using the
        previous generation until the new one is committed."""
        n = 0
        with self._write_lock(timeout=max(self.lock_timeout, 600.0)):
            w = self._writer(limitmb=512)
            try:
                for doc in docs:
                    w.add_document(**_doc_fields(doc))
                    n += 1
                    if progress is not None and n % 500 == 0:
                        progress(n)
            except BaseException:
                w.cancel()
                raise
            w.commit(mergetype=writing.CLEAR, optimize=True)
        if progress is not None:
            progress(n)
        return n

    # --------------------------------------------------------------- reading

    def _load_segment(self, segreader) -> _Segment:  # noqa: ANN001
        count = segreader.doc_count_all()
        ids = [int(x) if x else -1 for x in _column(segreader, "id", count, b"")]
        published = [float(x) for x in _column(segreader, "published", count, 0.0)]
        adopters = [int(x) for x in _column(segreader, "adopters", count, 0)]
        facets: dict[str, dict[str, int]] = {}
        for fname in _FACET_FIELDS:
            values: dict[str, int] = {}
            if fname in segreader.indexed_field_names():
                for term in list(segreader.lexicon(fname)):
                    value = term.decode("utf-8") if isinstance(term, bytes) else term
                    docs = list(segreader.postings(fname, term).all_ids())
                    values[value] = _mask_from(docs, count)
            facets[fname] = values
        return _Segment(count, ids, published, adopters, facets)

    def _current(self) -> _View:
        """The view of the latest index generation (reopened only on change).

        A fresh reader is opened on change (whoosh's ``refresh()`` reuses the
        reader of a segment whose deletions changed); per-segment data is
        cached by segment id and reused."""
        with self._thread_lock:
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
                    new = self._make_view(self._ix.reader())
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

    def _make_view(self, reader) -> _View:  # noqa: ANN001
        leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
        seen: dict[str, _Segment] = {}
        out: list[tuple[object, int, _Segment]] = []
        ids: list[int] = []
        published: list[float] = []
        adopters: list[int] = []
        live_docs: list[int] = []
        facets: dict[str, dict[str, int]] = {f: {} for f in _FACET_FIELDS}
        for segreader, offset in leaves:
            seg_id = segreader.segment().segment_id() if hasattr(segreader, "segment") else str(id(segreader))
            data = self._segments.get(seg_id) or self._load_segment(segreader)
            seen[seg_id] = data
            out.append((segreader, offset, data))
            ids.extend(data.ids)
            published.extend(data.published)
            adopters.extend(data.adopters)
            deleted = segreader.deleted_docs_set if segreader.has_deletions() else frozenset()
            live_docs.extend(offset + d for d in range(data.count) if d not in deleted)
            for fname, values in data.facets.items():
                g = facets[fname]
                for v, m in values.items():
                    g[v] = g.get(v, 0) | (m << offset)
        self._segments = seen
        size = len(ids)
        live = _mask_from(live_docs, size) if len(live_docs) != size else (1 << size) - 1
        return _View(
            reader=reader,
            generation=reader.generation(),
            leaves=out,
            size=size,
            live=live,
            n_live=len(live_docs),
            ids=ids,
            published=published,
            adopters=adopters,
            facets=facets,
        )

    def _postings(self, segreader, data: _Segment, term: str) -> tuple[array, array]:  # noqa: ANN001
        cache = data.postings
        hit = cache.get(term)
        if hit is not None:
            cache.move_to_end(term)
            return hit
        ids = array("I")
        ws = array("f")
        try:
            m = segreader.postings("text", term)
        except Exception:  # noqa: BLE001  (TermNotFound)
            m = None
        if m is not None:
            if isinstance(m, W3LeafMatcher):
                while m.is_active():
                    if m._data is None:
                        m._read_data()
                    raw_ids, raw_ws = m._data[0], m._data[1]
                    n = m._blocklength
                    ids.extend(raw_ids if m._byteids else accumulate(raw_ids))
                    if raw_ws is None:
                        ws.extend([1.0] * n)
                    elif isinstance(raw_ws, float):
                        ws.extend([raw_ws] * n)
                    else:
                        ws.extend(raw_ws)
                    m._next_block()
            else:
                while m.is_active():
                    ids.append(m.id())
                    ws.append(m.weight())
                    m.next()
        entry = (ids, ws)
        cache[term] = entry
        data.cached_postings += len(ids) + 1
        limit = self.postings_cache // max(1, len(self._segments))
        while data.cached_postings > limit and len(cache) > 1:
            _t, (old_ids, _w) = cache.popitem(last=False)
            data.cached_postings -= len(old_ids) + 1
        return entry

    def _df(self, view: _View, term: str) -> int:
        df = view.df_cache.get(term)
        if df is None:
            df = 0
            for segreader, _off, _data in view.leaves:
                try:
                    df += segreader.doc_frequency("text", term)
                except Exception:  # noqa: BLE001
                    pass
            view.df_cache[term] = df
        return df

    def _speller_for(self, view: _View) -> german.Speller:
        """Spelling vocabulary; rebuilt when the index changed, at most once a
        minute (a slightly stale vocabulary is fine for suggestions)."""
        now = time.monotonic()
        sp = self._speller
        if sp is not None and (self._speller_gen == view.generation or now - self._speller_time < 60):
            return sp
        vocab: dict[str, int] = {}
        for segreader, _off, _data in view.leaves:
            if "spell" not in segreader.indexed_field_names():
                continue
            for term, info in segreader.iter_field("spell"):
                w = term.decode("utf-8") if isinstance(term, bytes) else term
                vocab[w] = vocab.get(w, 0) + info.doc_frequency()
        sp = german.Speller(vocab)
        self._speller, self._speller_gen, self._speller_time = sp, view.generation, now
        return sp

    # ---------------------------------------------------------------- search

    def _group_scores(self, view: _View, group: german.Group) -> dict[int, float]:
        n = max(1, view.n_live)
        out: dict[int, float] = {}
        get = out.get
        for alt in group.alternatives:
            terms = alt.terms
            if len(terms) == 1:
                t = terms[0]
                df = self._df(view, t)
                if not df:
                    continue
                c = alt.boost * ranking.idf(df, n)
                for segreader, off, data in view.leaves:
                    ids, ws = self._postings(segreader, data, t)
                    if off:
                        for d, w in zip(ids, ws):
                            s = c * w
                            d += off
                            if s > get(d, 0.0):
                                out[d] = s
                    else:
                        for d, w in zip(ids, ws):
                            s = c * w
                            if s > get(d, 0.0):
                                out[d] = s
            else:
                dfs = [self._df(view, t) for t in terms]
                if not all(dfs):
                    continue
                cs = [alt.boost * ranking.idf(df, n) / len(terms) for df in dfs]
                order = sorted(range(len(terms)), key=lambda i: dfs[i])
                for segreader, off, data in view.leaves:
                    first = order[0]
                    ids, ws = self._postings(segreader, data, terms[first])
                    acc = {d: cs[first] * w for d, w in zip(ids, ws)}
                    for i in order[1:]:
                        if not acc:
                            break
                        ids, ws = self._postings(segreader, data, terms[i])
                        c = cs[i]
                        acc = {d: acc[d] + c * w for d, w in zip(ids, ws) if d in acc}
                    for d, s in acc.items():
                        d += off
                        if s > get(d, 0.0):
                            out[d] = s
        return out

    def _known(self, view: _View, group: german.Group) -> bool:
        for alt in group.alternatives:
            if alt.kind in ("exact", "parts") and all(self._df(view, t) for t in alt.terms):
                return True
        return False

    def _score(self, view: _View, parsed: german.ParsedQuery) -> tuple[dict[int, float], german.ParsedQuery, bool]:
        """Scores of matching docs, the (possibly fuzzy-extended) query, and
        whether some word was unknown."""
        groups = list(parsed.groups)
        unknown = False
        for i, g in enumerate(groups):
            if g.filler or self._known(view, g):
                continue
            unknown = True
            if len(g.words) == 1:
                corrected = self._speller_for(view).correct(g.words[0], rare_df=0)
                if corrected:
                    groups[i] = german.fuzzy_group(g, corrected)
        parsed = german.ParsedQuery(tuple(groups), parsed.text)
        total_w = sum(g.weight for g in groups if not g.filler) or sum(g.weight for g in groups)
        scores: dict[int, float] = {}
        matched: dict[int, float] = {}
        filler_scores: list[dict[int, float]] = []
        for g in groups:
            gs = self._group_scores(view, g)
            if not gs:
                continue
            if g.filler:
                filler_scores.append(gs)
                continue
            w = g.weight
            for d, s in gs.items():
                scores[d] = scores.get(d, 0.0) + w * s
                matched[d] = matched.get(d, 0.0) + w
        if not any(not g.filler for g in groups):
            # only filler words: they count normally
            for gs in filler_scores:
                for d, s in gs.items():
                    scores[d] = scores.get(d, 0.0) + s
                    matched[d] = matched.get(d, 0.0) + 1.0
            total_w = len(groups)
        else:
            for gs in filler_scores:
                for d in scores.keys() & gs.keys():
                    scores[d] += german.FILLER_WEIGHT * gs[d]
        p = ranking.COORD_POWER
        if total_w > 0:
            for d, m in matched.items():
                if m < total_w:
                    scores[d] *= (m / total_w) ** p
        return scores, parsed, unknown

    def search(self, query: SearchQuery) -> SearchResult:
        q = normalise_query(query)
        view = self._current()
        parsed = german.parse_query(q.text) if q.text else german.ParsedQuery(())
        scores: dict[int, float] | None = None
        suggestion = None
        if parsed.is_empty:
            match = view.live
        else:
            scores, parsed, unknown = self._score(view, parsed)
            match = _mask_from(scores.keys(), view.size) & view.live
            if unknown or len(scores) < 3:
                speller = self._speller_for(view)
                suggestion = speller.suggest(q.text, known=lambda w: bool(self._word_known(view, w)))

        selected = {"topic": q.topics, "state": q.states, "status": q.statuses}
        fmasks: dict[str, int | None] = {}
        for fname, values in selected.items():
            if values:
                m = 0
                for v in values:
                    m |= view.facets[fname].get(v, 0)
                fmasks[fname] = m
            else:
                fmasks[fname] = None
        facets: dict[str, dict[str, int]] = {}
        for fname in _FACET_FIELDS:
            base = match
            for other, m in fmasks.items():
                if other != fname and m is not None:
                    base &= m
            counts = {}
            for v, vm in view.facets[fname].items():
                c = (base & vm).bit_count()
                if c or v in selected[fname]:
                    counts[v] = c
            for v in selected[fname]:
                counts.setdefault(v, 0)
            facets[fname] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        filtered = match
        for m in fmasks.values():
            if m is not None:
                filtered &= m
        total = filtered.bit_count()

        start = (q.page - 1) * q.per_page
        need = start + q.per_page
        hits: list[SearchHit] = []
        if start < total:
            ranked = self._rank(view, q, filtered, scores, need)
            page_docs = ranked[start:need]
            hl_terms = ranking.highlight_terms(parsed) if not parsed.is_empty else None
            stored = view.reader
            for d in page_docs:
                hits.append(
                    SearchHit(
                        id=view.ids[d],
                        score=round(scores.get(d, 0.0), 6) if scores is not None else 0.0,
                        highlights=self._highlights(stored, d, hl_terms),
                    )
                )
        return SearchResult(
            hits=hits, total=total, page=q.page, per_page=q.per_page, facets=facets, suggestion=suggestion
        )

    def _word_known(self, view: _View, word: str) -> bool:
        terms = german.analyze_word(word)
        if not terms:
            return True
        if self._df(view, terms[0][0]):
            return True
        parts = german.split_compound(word)
        return bool(parts) and all(self._df(view, german.stem(p)) for p in parts)

    def _rank(self, view: _View, q: SearchQuery, filtered: int, scores: dict[int, float] | None, need: int) -> list[int]:
        pub = view.published
        if scores is None:
            if q.sort == "adoption":
                docs = _docs_of(filtered)
                ad = view.adopters
                return heapq.nsmallest(need, docs, key=lambda d: (-ad[d], -pub[d], d))
            if view.newest is None:
                view.newest = sorted(range(view.size), key=lambda d: (-pub[d], d))
            out: list[int] = []
            if filtered == view.live:
                for d in view.newest:
                    if filtered >> d & 1:
                        out.append(d)
                        if len(out) >= need:
                            break
                return out
            allowed = set(_docs_of(filtered))
            for d in view.newest:
                if d in allowed:
                    out.append(d)
                    if len(out) >= need:
                        break
            return out
        if filtered.bit_count() == len(scores):
            docs = list(scores)
        else:
            docs = _docs_of(filtered)
        if q.sort == "newest":
            return heapq.nsmallest(need, docs, key=lambda d: (-pub[d], -scores.get(d, 0.0), d))
        if q.sort == "adoption":
            ad = view.adopters
            return heapq.nsmallest(need, docs, key=lambda d: (-ad[d], -scores.get(d, 0.0), d))
        return heapq.nsmallest(need, docs, key=lambda d: (-scores.get(d, 0.0), -pub[d], d))

    def _highlights(self, reader, docnum: int, hl_terms) -> dict[str, str]:  # noqa: ANN001
        try:
            raw = reader.stored_fields(docnum).get("hl")
        except Exception:  # noqa: BLE001
            raw = None
        if not raw:
            return {}
        data = json.loads(zlib.decompress(raw).decode())
        if hl_terms is None:
            out = {"title": ranking.mark(data["t"], frozenset())}
            s = ranking.snippet(data["s"], frozenset(), size=self.snippet_size, require_match=False)
            if s:
                out["summary"] = s
            return out
        terms, whole = hl_terms
        out = {"title": ranking.mark(data["t"], terms, whole)}
        s = ranking.snippet(data["s"], terms, whole, size=max(self.snippet_size, 300), require_match=False)
        if s:
            out["summary"] = s
        b = ranking.snippet(data["b"], terms, whole, size=self.snippet_size, require_match=True)
        if b:
            out["body"] = b
        return out

    # ----------------------------------------------------------------- misc

    def versions(self) -> dict[int, str]:
        view = self._current()
        out: dict[int, str] = {}
        for segreader, off, data in view.leaves:
            vers = _column(segreader, "version", data.count, b"")
            deleted = segreader.deleted_docs_set if segreader.has_deletions() else frozenset()
            for d in range(data.count):
                if d in deleted:
                    continue
                v = vers[d]
                out[data.ids[d]] = v.decode() if isinstance(v, bytes) else str(v)
        return out

    def doc_count(self) -> int:
        return self._current().n_live

    def warm_up(self) -> None:
        """Load the analysis data and open the reader (call at worker start)."""
        german.analyze_word("Bürgerbeteiligung")
        german.load_synonyms()
        self._current()

    def close(self) -> None:
        with self._thread_lock:
            if self._view is not None:
                try:
                    self._view.reader.close()
                finally:
                    self._view = None
            self._segments = {}
            self._ix.close()


def _column(segreader, name: str, count: int, default) -> list:  # noqa: ANN001
    if segreader.has_column(name):
        return list(segreader.column_reader(name))
    return [default] * count
