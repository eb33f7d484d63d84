"""Whoosh backend (the only module of the package that imports whoosh).

Index layout (small on purpose: the app reloads cases from the DB by id)
  ``id``       ID, unique (update/delete by id)
  ``docid``    numeric column (docnum → id)
  ``version``  column (check-index)
  ``text``     all searchable fields in one posting list per term; the
               posting *weight* is the precomputed BM25F impact of the term
               in the document (see :mod:`kb.search.ranking`), produced by
               :class:`ImpactTokenizer` from :mod:`kb.search.german` terms
  ``topic``/``state``/``status``  facet values, existence only
  ``published``/``adopters``      numeric columns (sorting)
  ``hl``       column of zlib-compressed title/summary/body (snippets only)

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

import contextlib
import errno
import fcntl
import json
import logging
import multiprocessing as mp
import os
import pickle
import threading
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from pathlib import Path

import numpy as np
from whoosh import columns, fields, formats, index, writing
from whoosh.analysis import Composable, Token
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC as _BLOCK_MAGIC
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.util.numeric import length_to_byte

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

__all__ = ["ImpactTokenizer", "PackedImpacts", "WhooshBackend"]

LOCK_NAME = "kb-write.lock"
#: ``index()`` with at least this many documents takes the streaming bulk path
BULK_THRESHOLD = 1000
FORMAT_FILE = "kb-format"
#: bump when the schema, analysis or impact model changes incompatibly: an index
#: of another format is recreated empty on open (check-index then reports every
#: case as missing and ``--repair``/``reindex`` refills it)
INDEX_FORMAT = "kb-whoosh-4"
log = logging.getLogger(__name__)
_FACET_FIELDS = {"topic": "topics", "state": "states", "status": "statuses"}


# ------------------------------------------------------------------ analysis


class PackedImpacts(tuple):
    """``{term: impact}`` packed as ``(terms joined by \\x1f, float32 impacts as bytes)``.

    What analysis workers send back to the writing process: one string and one bytes object
    unpickle far faster than a dict of several hundred entries."""

    SEP = "\x1f"

    @classmethod
    def pack(cls, impacts: dict[str, float]) -> PackedImpacts:
        return cls((cls.SEP.join(impacts), array("f", impacts.values()).tobytes()))

    def terms(self) -> list[str]:
        return self[0].split(self.SEP) if self[0] else []

    def weights(self) -> array:
        out = array("f")
        out.frombytes(self[1])
        return out


class _PlainTokenizer(Composable):
    """A stateless tokenizer: equal to any other of its class (Whoosh compares schemas)."""

    is_morph = False

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)


class ImpactTokenizer(_PlainTokenizer):
    """Whoosh tokenizer for the ``text`` field.

    Accepts a :class:`SearchDocument` (analysed with :mod:`kb.search.german`
    and :func:`kb.search.ranking.document_impacts`), a precomputed
    ``{term: impact}`` dict, or a plain string (analysed, impact = weight).
    Yields one token per distinct term whose ``boost`` is the impact."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        if isinstance(value, SearchDocument):
            items = ranking.document_impacts(value).items()
        elif isinstance(value, PackedImpacts):
            items = zip(value.terms(), value.weights(), strict=True)
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


class ListTokenizer(_PlainTokenizer):
    """Yields each item of a list (or the single string) unchanged."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        items = [value] if isinstance(value, str) else list(value)
        tok = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, item in enumerate(dict.fromkeys(x for x in items if x)):
            tok.text = item
            tok.boost = 1.0
            tok.stopped = False
            if positions:
                tok.pos = start_pos + i
            yield tok


class ImpactField(fields.FieldType):
    """Field whose value is a document, a ``{term: impact}`` dict or text;
    each term is indexed once, its impact stored as the posting weight
    (existence format: no per-posting value bytes)."""

    def __init__(self) -> None:
        # scorable=True only so that whoosh keeps a (1 byte/doc) length column:
        # without it the segment writer stat()s a file for every posting
        super().__init__(format=formats.Existence(), analyzer=ImpactTokenizer(), scorable=True, stored=False)

    def index(self, value, **kwargs):
        for tok in self.analyzer(value, boosts=True, mode="index"):
            yield tok.text.encode("utf-8"), 1, tok.boost, b""


def _field(analyzer: Composable, fmt: formats.Format) -> fields.FieldType:
    ft = fields.FieldType(format=fmt, analyzer=analyzer, scorable=True, stored=False)
    ft.spelling = False
    return ft


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(unique=True, stored=False),
        docid=fields.COLUMN(columns.NumericColumn("q", default=-1)),
        version=fields.COLUMN(columns.VarBytesColumn()),
        text=ImpactField(),
        topic=_field(ListTokenizer(), formats.Existence()),
        state=_field(ListTokenizer(), formats.Existence()),
        status=_field(ListTokenizer(), formats.Existence()),
        published=fields.COLUMN(columns.NumericColumn("d", default=0.0)),
        adopters=fields.COLUMN(columns.NumericColumn("i", default=0)),
        # a column, not a stored field: whoosh would pickle and compress it a second time
        hl=fields.COLUMN(columns.VarBytesColumn()),
    )


def _doc_fields(doc: SearchDocument) -> dict:
    published = doc.published.timestamp() if doc.published is not None else 0.0
    hl = zlib.compress(
        json.dumps({"t": doc.title or "", "s": doc.summary or "", "b": doc.body or ""}, ensure_ascii=False).encode(),
        6,
    )
    return {
        "id": str(doc.id),
        "docid": int(doc.id),
        "version": (doc.version or "").encode(),
        "text": PackedImpacts.pack(ranking.document_impacts(doc)),
        "topic": list(doc.topics or ()),
        "state": [doc.state] if doc.state else [],
        "status": [doc.status] if doc.status else [],
        "published": published,
        "adopters": int(doc.adopter_count or 0),
        "hl": hl,
    }


class _PostingsWriter(W3PostingsWriter):
    # whoosh 2.7's W3PostingsWriter calls a misspelt TermInfo.set_inline();
    # this is the intended behaviour (postings of rare terms inlined in the
    # term table instead of a block in the postings file)
    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            # explicit empty values: whoosh's ListMatcher would return str ""
            # for missing values, which segment merging rejects
            values = list(self._values) or [b""] * len(self._ids)
            terminfo.set_inlined(self._ids, self._weights, values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()

    # Blocks hold ``array`` objects pickled with protocol 4 (raw machine bytes) instead of
    # whoosh's tuples of Python numbers: a reader turns them into numpy arrays without a
    # loop (see :func:`_read_postings`); whoosh's own matchers iterate them like tuples.

    def _mini_ids(self):
        if self._byteids:
            return tuple(self._ids)
        ids = np.asarray(self._ids, dtype=np.int64)
        return array("I", np.diff(ids, prepend=0).astype(np.uint32).tobytes())

    def _mini_weights(self):
        weights = np.asarray(self._weights, dtype=np.float32)
        if (weights == 1.0).all():
            return None
        if (weights == weights[0]).all():
            return float(weights[0])
        return array("f", weights.tobytes())

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(_BLOCK_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 4)
        comp = self._compression if len(data) >= 20 else 0
        if comp:
            data = zlib.compress(data, comp)
        ids = self._ids
        info = pickle.dumps(
            (len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
             length_to_byte(self._maxlength)),
            2,
        )
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class KbCodec(W3Codec):
    """W3 codec with working postings inlining (most terms of a German
    vocabulary are rare: inlining them saves a block each)."""

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


def make_codec() -> W3Codec:
    # large blocks: this backend reads whole posting lists, never skips
    return KbCodec(blocklimit=1024, compression=1, inlinelimit=8)


class _Postings:
    """Postings of one field in arrival order: parallel term-id / docnum / weight arrays."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.terms = array("I")
        self.docs = array("I")
        self.weights = array("f")

    def add(self, docnum: int, terms: list[str], weights: Iterable[float] | bytes) -> int:
        vocab = self.vocab
        for term in set(terms).difference(vocab):  # new terms get the next numbers
            vocab[term] = len(vocab)
        ids = list(map(vocab.__getitem__, terms))
        self.terms.extend(ids)
        self.docs.extend(repeat(docnum, len(ids)))
        if isinstance(weights, bytes):
            self.weights.frombytes(weights)
        else:
            self.weights.extend(weights)
        return len(ids)

    def by_term(self) -> Iterator[tuple[str, array, array]]:
        """``(term, docnums, weights)`` in term order, docnums ascending."""
        if not self.vocab:
            return
        tids = np.frombuffer(self.terms, dtype=np.uint32)
        order = np.argsort(tids, kind="stable")  # arrival order = docnum order within a term
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float32)[order]
        ends = np.cumsum(np.bincount(tids, minlength=len(self.vocab)))
        for term in sorted(self.vocab):
            tid = self.vocab[term]
            start, end = (int(ends[tid - 1]) if tid else 0), int(ends[tid])
            yield term, array("I", docs[start:end].tobytes()), array("f", weights[start:end].tobytes())


class _BulkWriter(writing.SegmentWriter):
    """Segment writer for ``rebuild`` and bulk ``index``: keeps the postings of
    the new segment in memory (flat term-id/doc/weight arrays, inverted with
    numpy at commit) instead of whoosh's sorting pool, several times faster
    for bulk loads.  Only ever writes a new segment: commit with
    ``mergetype=writing.CLEAR`` (rebuild) or ``merge=False`` (append); a merge
    would route the old segments' postings through the pool, which this
    writer does not flush."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self._mem: dict[str, _Postings] = {}

    def add_document(self, **fields_) -> None:
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(fields_):
                value = fields_[fieldname]
                if value is None:
                    continue
                field_ = schema[fieldname]
                length = 0
                if field_.indexed:
                    postings = self._mem.get(fieldname)
                    if postings is None:
                        postings = self._mem[fieldname] = _Postings()
                    if isinstance(value, PackedImpacts):  # fast path: analysed by a worker
                        length = postings.add(docnum, value.terms(), value[1])
                    elif isinstance(value, dict):  # {term: impact}
                        length = postings.add(docnum, list(value), value.values())
                    elif isinstance(value, list) and isinstance(field_.analyzer, ListTokenizer):
                        items = list(dict.fromkeys(x for x in value if x))
                        length = postings.add(docnum, items, repeat(1.0, len(items)))
                    else:
                        items = [(t.decode("utf-8"), w) for t, _f, w, _v in field_.index(value)]
                        length = postings.add(docnum, [t for t, _w in items], [w for _t, w in items])
                perdoc.add_field(fieldname, field_, value if field_.stored else None, length)
                column = field_.column_type
                if column:
                    perdoc.add_column_value(fieldname, column, field_.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for fieldname in sorted(self._mem):
            fw.start_field(fieldname, self.schema[fieldname])
            pw = fw._postwriter
            limit = pw._blocklimit
            for term, ids, ws in self._mem[fieldname].by_term():
                fw.start_term(term.encode("utf-8"))
                n = len(ids)
                for start in range(0, n, limit):
                    chunk_ws = ws[start : start + limit]
                    pw._ids = ids[start : start + limit]
                    pw._weights = chunk_ws
                    pw._values = []
                    pw._maxweight = max(chunk_ws)
                    pw._minlength = pw._maxlength = 1
                    if start + limit < n:
                        pw._write_block()  # starts a new block itself
                fw.finish_term()
            fw.finish_field()
        self._mem.clear()
        fw.close()


def _analysed(
    docs: Iterable[SearchDocument], procs: int, progress: Callable[[int], None] | None = None,
    batch_size: int = 500,
) -> Iterator[dict]:
    """Yield the index fields of ``docs`` in order.  From the second batch on
    they are analysed in ``procs`` worker processes (if more than one) while
    the caller writes the previous batch; ``docs`` is only read in the calling
    thread.  ``progress(k)`` reports each finished batch."""
    pool = None
    pending = None
    n = 0
    try:
        it = iter(docs)
        while True:
            batch = list(islice(it, batch_size))
            if not batch:
                break
            if pool is None and procs > 1 and n >= batch_size:
                ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
                pool = ctx.Pool(procs)
            if pool is None:
                prepared = [_doc_fields(d) for d in batch]
            else:
                future = pool.map_async(_doc_fields, batch, chunksize=50)
                prepared, pending = (pending.get() if pending is not None else []), future
            yield from prepared
            n += len(batch)
            if progress is not None and prepared:
                progress(len(prepared))
        if pending is not None:
            prepared = pending.get()
            yield from prepared
            if progress is not None and prepared:
                progress(len(prepared))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


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
    newest: np.ndarray | None = None
    texts: object | None = None  # column reader of ``hl`` (opened on first use)
    terms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    speller: german.Speller | None = None


class _IndexVocabulary:
    """:class:`kb.search.german.Vocabulary` backed by the segments' term tables."""

    def __init__(self, view: _View) -> None:
        self._leaves = [(r, d) for r, _o, d in view.leaves]
        self._readers = [r for r, _d in self._leaves]
        self._cache: dict[str, int] = {}
        self._sets: list[frozenset[bytes]] | None = None

    def _term_sets(self) -> list[frozenset[bytes]]:
        if self._sets is None:
            out = []
            for r, d in self._leaves:
                if d.text_terms is None:
                    d.text_terms = frozenset(r.lexicon("text"))
                out.append(d.text_terms)
            self._sets = out
        return self._sets

    def df(self, term: str) -> int:
        hit = self._cache.get(term)
        if hit is None:
            b = term.encode("utf-8")
            # an in-memory membership test first: the speller probes ~900
            # edits per unknown word, whoosh's term table lookup is slower
            hit = sum(r.doc_frequency("text", term) for r, ts in zip(self._readers, self._term_sets(), strict=True)
                      if b in ts)
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
    pad = (-bits.shape[-1]) % 64
    if pad:
        widths = [(0, 0)] * (bits.ndim - 1) + [(0, pad)]
        bits = np.pad(bits, widths)
    return np.packbits(bits, axis=-1).view(np.uint64)


_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WS = np.zeros(0, dtype=np.float32)


class WhooshBackend:
    """Search backend storing a Whoosh index in ``index_dir``.

    Options: ``lock_timeout`` (seconds to wait for the write lock, default
    120), ``postings_cache`` (postings kept decoded per process, default
    4,000,000), ``snippet_size`` (default 200), ``rebuild_procs`` (analysis
    processes for ``rebuild``, default: CPU count)."""

    name = "whoosh"

    def __init__(
        self,
        index_dir: str | os.PathLike,
        lock_timeout: float = 120.0,
        postings_cache: int = 4_000_000,
        snippet_size: int = 200,
        rebuild_procs: int | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.lock_timeout = lock_timeout
        self.postings_cache = postings_cache
        self.snippet_size = snippet_size
        self.rebuild_procs = rebuild_procs if rebuild_procs is not None else (os.cpu_count() or 1)
        self.schema = make_schema()
        # writers of this process queue here before taking the file lock;
        # readers only need the (short) view lock, so searches in other
        # threads go on while a rebuild is writing
        self._write_thread_lock = threading.RLock()
        self._view_lock = threading.RLock()
        self._cache_lock = threading.Lock()
        self._view: _View | None = None
        self._segments: dict[str, _Segment] = {}
        self.index_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # private like the rest of the data directory
            os.chmod(self.index_dir, 0o700)
        with self._write_lock():
            marker = self.index_dir / FORMAT_FILE
            current = marker.read_text().strip() if marker.exists() else None
            if not index.exists_in(str(self.index_dir)) or current != INDEX_FORMAT:
                if index.exists_in(str(self.index_dir)):
                    log.warning(
                        "search index %s has format %s, expected %s: recreated empty, reindex needed",
                        self.index_dir, current, INDEX_FORMAT,
                    )
                index.create_in(str(self.index_dir), self.schema)
                marker.write_text(INDEX_FORMAT + "\n")
        self._ix = index.open_dir(str(self.index_dir), schema=self.schema)

    # --------------------------------------------------------------- locking

    @contextmanager
    def _write_lock(self, timeout: float | None = None) -> Iterator[None]:
        timeout = self.lock_timeout if timeout is None else timeout
        path = self.index_dir / LOCK_NAME
        with self._write_thread_lock:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
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

    def _writer(self, **kwargs) -> writing.SegmentWriter:
        # our fcntl lock serialises writers, whoosh's own lock is free or
        # about to be released by a dying process: wait for it briefly
        return self._ix.writer(timeout=30.0, delay=0.05, codec=make_codec(), **kwargs)

    # --------------------------------------------------------------- writing

    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace documents.  Up to ``BULK_THRESHOLD`` documents are
        analysed before the write lock is taken and written with whoosh's
        ordinary writer; larger inputs (a bulk import) are streamed: analysed
        in worker processes and written as one new segment by the in-memory
        bulk writer, without holding all documents in memory."""
        it = iter(docs)
        head = list(islice(it, BULK_THRESHOLD))
        if len(head) == BULK_THRESHOLD:
            self._index_bulk(chain(head, it))
            return
        prepared = [_doc_fields(d) for d in head]  # analyse outside the lock
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

    def _index_bulk(self, docs: Iterable[SearchDocument], procs: int | None = None) -> int:
        """Append documents as one new segment; replaced ids are deleted first."""
        n = 0
        with self._write_lock(timeout=max(self.lock_timeout, 600.0)):
            view = self._current()
            existing = set(view.ids[view.live].tolist())
            w = _BulkWriter(self._ix, timeout=30.0, delay=0.05, codec=make_codec())
            try:
                for fields_ in _analysed(docs, self._procs(procs)):
                    if fields_["docid"] in existing:
                        w.delete_by_term("id", fields_["id"])
                    w.add_document(**fields_)
                    n += 1
            except BaseException:
                w.cancel()
                raise
            w.commit(merge=False)
        return n

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

    def _procs(self, procs: int | None) -> int:
        procs = self.rebuild_procs if procs is None else procs
        if mp.current_process().daemon:  # daemonic processes cannot have children
            procs = 1
        return procs

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        progress: Callable[[int], None] | None = None,
        procs: int | None = None,
    ) -> int:
        """Replace the index content in one writer; searches keep using the
        previous generation until the new one is committed.

        ``progress(k)`` is called with the number of documents added since
        its previous call (fits ``click.progressbar(...).update``).  From the
        second batch of 500 on, documents are analysed in ``procs`` worker
        processes (default: CPU count) while this process reads ``docs``
        (only ever in the calling thread) and writes the segment."""
        n = 0
        with self._write_lock(timeout=max(self.lock_timeout, 600.0)):
            w = _BulkWriter(self._ix, timeout=30.0, delay=0.05, codec=make_codec())
            try:
                for fields_ in _analysed(docs, self._procs(procs), progress):
                    w.add_document(**fields_)
                    n += 1
            except BaseException:
                w.cancel()
                raise
            w.commit(mergetype=writing.CLEAR, optimize=True)
        return n

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

        A fresh reader is opened on change (whoosh's ``refresh()`` reuses the
        reader of a segment whose deletions changed); per-segment data is
        cached by segment id and reused."""
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
        )

    def _postings(self, segreader, data: _Segment, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Local docnums and impacts of a term in one segment (cached)."""
        cache = data.postings
        with self._cache_lock:
            hit = cache.get(term)
            if hit is not None:
                cache.move_to_end(term)
                return hit
        entry = _read_postings(segreader, "text", term)
        ids = entry[0]
        with self._cache_lock:
            if term not in cache:
                cache[term] = entry
                data.cached_postings += len(ids) + 1
            limit = self.postings_cache // max(1, len(self._segments))
            while data.cached_postings > limit and len(cache) > 1:
                _t, (old_ids, _w) = cache.popitem(last=False)
                data.cached_postings -= len(old_ids) + 1
        return entry

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
                parts_ids.append(ids + off if off else ids)
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
        try:
            if view.texts is None:
                view.texts = view.reader.column_reader("hl")
            raw = view.texts[docnum]
        except Exception:  # noqa: BLE001
            return None
        return json.loads(zlib.decompress(raw).decode()) if raw else None

    # ---------------------------------------------------------------- search

    def _group_scores(self, view: _View, group: german.Group) -> np.ndarray | None:
        """Dense score vector of one query group (best alternative per doc).

        The typed word and its synonyms share one idf, that of the most
        frequent of them (like a single blended term): otherwise a rare
        synonym would outrank documents that use the typed word."""
        n = max(1, view.n_live)
        out: np.ndarray | None = None
        blended = [
            self._df(view, a.terms[0])
            for a in group.alternatives
            if len(a.terms) == 1 and a.kind in ("exact", "synonym", "fuzzy")
        ]
        group_df = max(blended, default=0)
        for alt in group.alternatives:
            terms = alt.terms
            if len(terms) == 1:
                ids, ws = self._term(view, terms[0])
                if not len(ids):
                    continue
                if out is None:
                    out = np.zeros(view.size, dtype=np.float32)
                df = group_df if alt.kind in ("exact", "synonym", "fuzzy") and group_df else len(ids)
                c = np.float32(alt.boost * ranking.idf(df, n))
                cur = out[ids]
                np.maximum(cur, ws * c, out=cur)
                out[ids] = cur
            else:
                postings = [self._term(view, t) for t in terms]
                if not all(len(p[0]) for p in postings):
                    continue
                count = np.zeros(view.size, dtype=np.int8)
                acc = np.zeros(view.size, dtype=np.float32)
                for ids, ws in postings:
                    count[ids] += 1
                    acc[ids] += ws * np.float32(alt.boost * ranking.idf(len(ids), n) / len(terms))
                full = count == len(terms)
                if not full.any():
                    continue
                if out is None:
                    out = np.zeros(view.size, dtype=np.float32)
                np.maximum(out, np.where(full, acc, np.float32(0)), out=out)
        return out

    def _known(self, view: _View, group: german.Group) -> bool:
        for alt in group.alternatives:
            if alt.kind in ("exact", "parts") and all(self._df(view, t) for t in alt.terms):
                return True
        return False

    def _score(self, view: _View, parsed: german.ParsedQuery) -> tuple[np.ndarray, german.ParsedQuery, bool]:
        """Dense scores (0 = no match), the (possibly fuzzy-extended) query,
        and whether some word was unknown."""
        groups = list(parsed.groups)
        unknown = False
        for i, g in enumerate(groups):
            if g.filler or self._known(view, g):
                continue
            unknown = True
            if len(g.words) == 1:
                correction = self._speller_for(view).correct(g.text)
                if correction is not None:
                    groups[i] = german.fuzzy_group(g, correction)
        parsed = german.ParsedQuery(tuple(groups), parsed.text)
        only_filler = all(g.filler for g in groups)
        scores = np.zeros(view.size, dtype=np.float32)
        matched = np.zeros(view.size, dtype=np.float32)
        fillers: list[np.ndarray] = []
        total_w = 0.0
        for g in groups:
            w = 1.0 if only_filler else g.weight
            if g.filler and not only_filler:
                gs = self._group_scores(view, g)
                if gs is not None:
                    fillers.append(gs)
                continue
            total_w += w
            gs = self._group_scores(view, g)
            if gs is None:
                continue
            scores += np.float32(w) * gs
            matched += np.where(gs > 0, np.float32(w), np.float32(0))
        if total_w > 0:
            partial = (matched > 0) & (matched < total_w)
            if partial.any():
                scores[partial] *= (matched[partial] / np.float32(total_w)) ** np.float32(ranking.COORD_POWER)
        if fillers:
            hit = scores > 0
            for fs in fillers:
                scores += np.where(hit, fs * np.float32(german.FILLER_WEIGHT), np.float32(0))
        return scores, parsed, unknown

    def search(self, query: SearchQuery) -> SearchResult:
        q = normalise_query(query)
        view = self._current()
        parsed = german.parse_query(q.text) if q.text else german.ParsedQuery(())
        scores: np.ndarray | None = None
        suggestion = None
        if parsed.is_empty:
            match = view.live
        else:
            scores, parsed, unknown = self._score(view, parsed)
            match = (scores > 0) & view.live
            if unknown or int(np.count_nonzero(match)) < 3:
                speller = self._speller_for(view)
                suggestion = speller.suggest(q.text, display=lambda t: self._display_word(view, t))

        selected = {"topic": q.topics, "state": q.states, "status": q.statuses}
        fmasks: dict[str, np.ndarray | None] = {}
        for fname, values in selected.items():
            if not values:
                fmasks[fname] = None
                continue
            names = view.facet_values[fname]
            rows = [names.index(v) for v in values if v in names]
            fmasks[fname] = (
                view.facet_matrix[fname][rows].any(axis=0) if rows else np.zeros(view.size, dtype=bool)
            )
        facets: dict[str, dict[str, int]] = {}
        for fname in _FACET_FIELDS:
            base = match
            for other, m in fmasks.items():
                if other != fname and m is not None:
                    base = base & m
            names = view.facet_values[fname]
            counts: dict[str, int] = {}
            if names:
                sums = np.bitwise_count(view.facet_packed[fname] & _pack(base)).sum(axis=-1)
                for v, c in zip(names, sums.tolist(), strict=True):
                    if c or v in selected[fname]:
                        counts[v] = int(c)
            for v in selected[fname]:
                counts.setdefault(v, 0)
            facets[fname] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        filtered = match
        for m in fmasks.values():
            if m is not None:
                filtered = filtered & m
        docs = np.flatnonzero(filtered)
        total = int(len(docs))

        start = (q.page - 1) * q.per_page
        need = start + q.per_page
        hits: list[SearchHit] = []
        if start < total:
            ranked = self._rank(view, q, docs, scores, need)[start:need]
            hl_terms = ranking.highlight_terms(parsed) if not parsed.is_empty else None
            for d in ranked.tolist():
                hits.append(
                    SearchHit(
                        id=int(view.ids[d]),
                        score=round(float(scores[d]), 6) if scores is not None else 0.0,
                        highlights=self._highlights(view, d, hl_terms),
                    )
                )
        return SearchResult(
            hits=hits, total=total, page=q.page, per_page=q.per_page, facets=facets, suggestion=suggestion
        )

    def _rank(
        self, view: _View, q: SearchQuery, docs: np.ndarray, scores: np.ndarray | None, need: int
    ) -> np.ndarray:
        """The first ``need`` of ``docs`` in result order (ties: newer, then docnum)."""
        pub = view.published
        if scores is None and q.sort in ("relevance", "newest"):
            if view.newest is None:
                view.newest = np.lexsort((np.arange(view.size), -pub))
            order = view.newest
            keep = np.zeros(view.size, dtype=bool)
            keep[docs] = True
            return order[keep[order]][:need]
        s = scores[docs] if scores is not None else np.zeros(len(docs), dtype=np.float32)
        if q.sort == "newest":
            primary = -pub[docs]
            secondary = -s
        elif q.sort == "adoption":
            primary = -view.adopters[docs].astype(np.float64)
            secondary = -s
        else:
            primary = -s
            secondary = -pub[docs]
        if len(docs) > need * 4 and need < len(docs):
            # preselect everything that can reach the first `need` places (ties included)
            kth = np.partition(primary, need - 1)[need - 1]
            sel = primary <= kth
            docs, primary, secondary = docs[sel], primary[sel], secondary[sel]
        order = np.lexsort((docs, secondary, primary))
        return docs[order][:need]

    def _highlights(self, view: _View, docnum: int, hl_terms) -> dict[str, str]:
        data = self._stored_texts(view, docnum)
        if not data:
            return {}
        if hl_terms is None:
            out = {"title": ranking.mark(data["t"], frozenset())}
            s = ranking.snippet(data["s"], frozenset(), size=max(self.snippet_size, 300), require_match=False)
            if s:
                out["summary"] = s
            return out
        terms, whole = hl_terms
        out = {"title": ranking.mark(data["t"], terms, whole)}
        s = ranking.snippet(data["s"], terms, whole, size=max(self.snippet_size, 300), require_match=False)
        if s:
            out["summary"] = s
        b = ranking.snippet(data["b"], terms, whole, size=self.snippet_size, require_match=True, max_scan=10_000)
        if b:
            out["body"] = b
        return out

    # ----------------------------------------------------------------- misc

    def versions(self) -> dict[int, str]:
        view = self._current()
        out: dict[int, str] = {}
        for segreader, _off, data in view.leaves:
            vers = _column(segreader, "version", data.count, b"")
            deleted = segreader.deleted_docs_set if segreader.has_deletions() else frozenset()
            ids = data.ids.tolist()
            for d in range(data.count):
                if d in deleted:
                    continue
                v = vers[d]
                out[ids[d]] = v.decode() if isinstance(v, bytes) else str(v)
        return out

    def doc_count(self) -> int:
        return self._current().n_live

    def warm_up(self) -> None:
        """Load the analysis data, open the reader and build the spelling
        vocabulary (call at worker start to keep first requests fast)."""
        german.analyze_word("Bürgerbeteiligung")
        german.load_synonyms()
        self._speller_for(self._current()).term_df("warm")

    def close(self) -> None:
        with self._view_lock:
            if self._view is not None:
                try:
                    self._view.reader.close()
                finally:
                    self._view = None
            self._segments = {}
            self._ix.close()


def _numeric_column(segreader, name: str, count: int, default: float, dtype: str) -> np.ndarray:
    """A numeric column as an array, read in one piece (falls back to whoosh)."""
    if not segreader.has_column(name):
        return np.full(count, default, dtype=dtype)
    reader = segreader.column_reader(name, translate=False)
    try:
        raw = reader._dbfile.get(reader._basepos, reader._count * reader._fixedlen)
        vals = np.frombuffer(raw, dtype=">" + reader._typecode).astype(dtype)
    except AttributeError:
        vals = np.array(list(reader), dtype=dtype)
    if len(vals) < count:
        vals = np.concatenate([vals, np.full(count - len(vals), default, dtype=dtype)])
    return vals


def _read_postings(segreader, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """All docnums (int64) and weights (float32) of a term, read block by block."""
    try:
        m = segreader.postings(fieldname, term)
    except Exception:  # noqa: BLE001  (TermNotFound)
        return _EMPTY_IDS, _EMPTY_WS
    if not isinstance(m, W3LeafMatcher):  # inlined postings (rare terms)
        ids: list[int] = []
        ws: list[float] = []
        while m.is_active():
            ids.append(m.id())
            ws.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(ws, dtype=np.float32)
    id_parts: list[np.ndarray] = []
    weight_parts: list[np.ndarray] = []
    lengths: list[int] = []
    byteids = m._byteids
    while m.is_active():
        if m._data is None:
            m._read_data()
        raw_ids, raw_ws = m._data[0], m._data[1]
        n = m._blocklength
        id_parts.append(_as_array(raw_ids, np.int64))
        lengths.append(n)
        if raw_ws is None or isinstance(raw_ws, float):
            weight_parts.append(np.full(n, 1.0 if raw_ws is None else raw_ws, dtype=np.float32))
        else:
            weight_parts.append(_as_array(raw_ws, np.float32))
        m._next_block()
    arr = np.concatenate(id_parts) if id_parts else _EMPTY_IDS
    if not byteids and len(arr):
        # each block is delta-encoded on its own: cumulative sum over all
        # blocks, then take off what the earlier blocks added
        total = np.cumsum(arr)
        if len(lengths) > 1:
            starts = np.cumsum(lengths)[:-1]
            base = np.repeat(np.concatenate(([0], total[starts - 1])), lengths)
            total -= base
        arr = total
    weights = np.concatenate(weight_parts) if weight_parts else _EMPTY_WS
    return arr, weights


def _as_array(values, dtype) -> np.ndarray:
    """A block's numbers as numpy: arrays (this codec) without a loop, tuples (older indexes) with one."""
    if isinstance(values, array):
        return np.frombuffer(values, dtype=np.dtype(values.typecode)).astype(dtype)
    return np.array(values, dtype=dtype)


def _column(segreader, name: str, count: int, default) -> list:
    if segreader.has_column(name):
        return list(segreader.column_reader(name))
    return [default] * count
