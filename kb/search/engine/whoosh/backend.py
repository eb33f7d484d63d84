"""The Whoosh backend: opening the index, the write lock, writing and reading documents."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path

import numpy as np
from whoosh import index, writing
from whoosh.reading import SegmentReader

from kb.search.engine import german
from kb.search.engine.base import IndexBusyError, SearchDocument
from kb.search.engine.locking import file_lock
from kb.search.engine.whoosh.background import BackgroundBuild
from kb.search.engine.whoosh.bulk import _analysed
from kb.search.engine.whoosh.codec import _BulkWriter, _column, _numeric_column, make_codec
from kb.search.engine.whoosh.schema import _doc_fields, make_schema
from kb.search.engine.whoosh.scoring import Scoring
from kb.search.engine.whoosh.search import Searching
from kb.search.engine.whoosh.view import IndexViews, _Segment, _View

LOCK_NAME = "kb-write.lock"
#: ``index()`` with at least this many documents takes the streaming bulk path
BULK_THRESHOLD = 1000
#: small updates add a segment each; once this many small segments of one size class exist (the
#: classes: 1–3, 4–15, 16–63 documents), they are merged with all smaller ones
MERGE_FACTOR = 4
#: segments of at least this many documents (deleted ones included) are left to ``rebuild``: merging
#: them would make a web request wait
MERGE_LIMIT = 64
FORMAT_FILE = "kb-format"
#: bump when the schema, analysis or impact model changes incompatibly: an index
#: of another format is recreated empty on open (check-index then reports every
#: case as missing and ``--repair``/``reindex`` refills it)
INDEX_FORMAT = "kb-whoosh-6"  # 5: the size facet, 6: the place filter
#: the worker warm-up analyses the words of this many documents (spread over the index) for highlighting
WARM_WORDS_FROM = 2000
log = logging.getLogger(__name__)


def _size_class(documents: int) -> int:
    """0 for 1–3 documents, 1 for 4–15, 2 for 16–63 … (``MERGE_FACTOR`` 4)."""
    size_class = 0
    while documents >= MERGE_FACTOR:
        documents //= MERGE_FACTOR
        size_class += 1
    return size_class


class WhooshBackend(IndexViews, Scoring, Searching):
    """Search backend storing a Whoosh index in ``index_dir``.

    Options: ``lock_timeout`` (seconds to wait for the write lock, default
    120), ``postings_cache`` (postings kept decoded per process, 8 bytes each, default
    12,000,000: all of the text postings at 50,000 cases), ``snippet_size`` (default 200), ``rebuild_procs`` (analysis
    processes for ``rebuild``, default: CPU count)."""

    name = "whoosh"

    def __init__(
        self,
        index_dir: str | os.PathLike,
        lock_timeout: float = 120.0,
        postings_cache: int = 12_000_000,
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
        self._segment_readers: dict[tuple[str, int], object] = {}
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
        with self._write_thread_lock, file_lock(self.index_dir / LOCK_NAME, timeout) as held:
            if not held:
                raise IndexBusyError(f"search index {self.index_dir} is locked by another writer")
            yield

    def _writer(self, **kwargs) -> writing.SegmentWriter:
        # our fcntl lock serialises writers, whoosh's own lock is free or
        # about to be released by a dying process: wait for it briefly
        return self._ix.writer(timeout=30.0, delay=0.05, codec=make_codec(), **kwargs)

    def _small_writer(self) -> _BulkWriter:
        # the in-memory writer also for a few documents: whoosh's own writer routes every posting of
        # a segment it merges through its sorting pool one at a time (up to 200 ms for a merge at 41 cases)
        return _BulkWriter(self._ix, timeout=30.0, delay=0.05, codec=make_codec())

    # --------------------------------------------------------------- writing

    @staticmethod
    def _merge_lazily(writer, segments):
        """Merge small segments by size class (a tiered policy), drop those whose documents are all deleted.

        A one-case update adds a tiny segment. Whoosh's default merges at every commit (all small
        segments, on a small index the whole index, and every worker loads the result anew); its
        MERGE_SMALL merged the same growing segment again every few updates. Here a document is
        merged about once per size class."""
        kept = [s for s in segments if s.doc_count()]  # all deleted: nothing to carry over
        small = [s for s in kept if s.doc_count_all() < MERGE_LIMIT]
        classes = Counter([0] + [_size_class(s.doc_count_all()) for s in small])  # 0: the segment being written
        full = [c for c, count in classes.items() if count >= MERGE_FACTOR]
        if not full:
            return kept
        merged = {id(s): s for s in small if _size_class(s.doc_count_all()) <= min(full)}
        for segment in merged.values():
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        return [s for s in kept if id(s) not in merged]

    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace documents.  Up to ``BULK_THRESHOLD`` documents are
        analysed before the write lock is taken and written as a new segment
        (merged with small ones as ``_merge_lazily`` says); larger inputs (a
        bulk import) are streamed: analysed in worker processes and written as
        one new segment, without holding all documents in memory."""
        it = iter(docs)
        head = list(islice(it, BULK_THRESHOLD))
        if len(head) == BULK_THRESHOLD:
            self._index_bulk(chain(head, it))
            return
        prepared = [_doc_fields(d) for d in head]  # analyse outside the lock
        if not prepared:
            return
        with self._write_lock():
            w = self._small_writer()
            try:
                self._delete_cases(w, [fields_["docid"] for fields_ in prepared])
                for fields_ in prepared:
                    w.add_document(**fields_)
            except BaseException:
                w.cancel()
                raise
            w.commit(mergetype=self._merge_lazily)

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

    def start_background_build(self, expected: int, prepare: Callable | None = None,
                               procs: int | None = None) -> BackgroundBuild:
        """Index about ``expected`` new documents in worker processes while the caller goes on (a bulk
        import writing its database); they become visible with the build's ``commit()``. ``prepare``
        turns what ``add`` is given into a :class:`SearchDocument` (in the workers)."""
        def live_ids() -> set[int]:
            view = self._current()
            return set(view.ids[view.live].tolist())

        return BackgroundBuild(self._ix, self._write_lock(timeout=max(self.lock_timeout, 600.0)), self._writer,
                               live_ids, expected, self._procs(procs), prepare)

    def remove(self, ids: Iterable[int]) -> None:
        ids = [int(i) for i in ids]
        if not ids:
            return
        with self._write_lock():
            w = self._small_writer()
            try:
                self._delete_cases(w, ids)
            except BaseException:
                w.cancel()
                raise
            w.commit(mergetype=self._merge_lazily)

    def _delete_cases(self, writer: writing.SegmentWriter, ids: Iterable[int]) -> None:
        """Mark the documents of these cases deleted in the writer's segments, found by each segment's
        case ids (whoosh's ``delete_by_term`` first opens a reader with its term table on every segment)."""
        wanted = np.fromiter(ids, dtype=np.int64)
        for segment in writer.segments:
            for docnum in np.flatnonzero(np.isin(self._case_ids(segment), wanted)).tolist():
                segment.delete_document(docnum)

    def _case_ids(self, segment) -> np.ndarray:
        """Docnum → case id of a segment (kept with the segment's data once this process has read it)."""
        with self._view_lock:
            data = self._segments.get(segment.segment_id())
        if data is not None:
            return data.ids
        reader = SegmentReader(self._ix.storage, self.schema, segment)
        try:
            return _numeric_column(reader, "docid", reader.doc_count_all(), -1, "int64")
        finally:
            reader.close()

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
        """Load the analysis data, open the reader and the stored highlight
        texts, build the spelling vocabulary, read the postings of every term
        in at least 16 documents of a segment into the postings cache, as far as
        it holds them (at 50,000 cases all of them: about 1.5 s CPU), and analyse
        the words of :data:`WARM_WORDS_FROM` documents for highlighting (about
        20,000 distinct words, 0.5 s); call at worker start to keep first
        requests fast – reading a term's postings costs 0.1–1 ms, and a search
        with compounds and synonyms reads dozens."""
        german.analyze_word("Bürgerbeteiligung")
        german.load_synonyms()
        view = self._current()
        self._speller_for(view).term_df("warm")
        for _segreader, offset, data in view.leaves:  # the highlight texts' columns: ~0.1 s at 50,000 cases
            if data.count:
                self._stored_texts(view, offset)
        self._warm_postings(view)
        german.prepare_words(self._sample_texts(view, WARM_WORDS_FROM))

    def _sample_texts(self, view: _View, docs: int) -> Iterator[str]:
        """Title, summary and body of ``docs`` documents spread evenly over the index."""
        for docnum in range(0, view.size, max(1, view.size // max(1, docs))):
            texts = self._stored_texts(view, docnum)
            if texts:
                yield from texts.values()

    def close(self) -> None:
        with self._view_lock:
            if self._view is not None:
                try:
                    self._view.reader.close()
                finally:
                    self._view = None
            self._segments = {}
            self._segment_readers = {}
            self._ix.close()
