"""Bulk writing: documents analysed in worker processes, their postings inverted in memory
(written as one segment by ``codec._BulkWriter``)."""

from __future__ import annotations

import multiprocessing as mp
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import islice, repeat

import numpy as np

from kb.search.engine.base import SearchDocument
from kb.search.engine.whoosh.schema import _doc_fields

#: up to this many postings a segment's terms come out as Python lists (a single case and the small
#: segments merged with it: no numpy slice and array per term); more, as arrays (an import's millions)
SMALL_POSTINGS = 100_000


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

    def add_term(self, term: str, docnums: list[int] | np.ndarray, weights: list[float] | np.ndarray) -> None:
        """Append one term's postings (docnums above all added so far for this term, ascending)."""
        tid = self.vocab.setdefault(term, len(self.vocab))
        self.terms.extend(repeat(tid, len(docnums)))
        if isinstance(docnums, np.ndarray):
            self.docs.frombytes(docnums.astype(np.uint32).tobytes())
            self.weights.frombytes(np.asarray(weights, dtype=np.float32).tobytes())
        else:
            self.docs.extend(docnums)
            self.weights.extend(weights)

    def by_term(self) -> Iterator[tuple[str, array | list, array | list]]:
        """``(term, docnums, weights)`` in term order, docnums ascending (as lists for a small segment)."""
        if not self.vocab:
            return
        tids = np.frombuffer(self.terms, dtype=np.uint32)
        order = np.argsort(tids, kind="stable")  # arrival order = docnum order within a term
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order]
        weights = np.frombuffer(self.weights, dtype=np.float32)[order]
        ends = np.cumsum(np.bincount(tids, minlength=len(self.vocab)))
        if len(tids) <= SMALL_POSTINGS:  # a few documents: Python lists, sliced without numpy per term
            docs, weights, ends = docs.tolist(), weights.tolist(), ends.tolist()
            for term in sorted(self.vocab):
                tid = self.vocab[term]
                start, end = (ends[tid - 1] if tid else 0), ends[tid]
                yield term, docs[start:end], weights[start:end]
            return
        for term in sorted(self.vocab):
            tid = self.vocab[term]
            start, end = (int(ends[tid - 1]) if tid else 0), int(ends[tid])
            yield term, array("I", docs[start:end].tobytes()), array("f", weights[start:end].tobytes())


class Renumbering:
    """The new docnums of a merged segment's documents: ``docmap`` old → new for the live ones, or
    (``docmap`` None: a segment without deletions) all in order from ``base``."""

    def __init__(self, docmap: dict[int, int] | None, count: int, base: int) -> None:
        self.new = list(range(base, base + count)) if docmap is None else [-1] * count
        for old, new in (docmap or {}).items():
            self.new[old] = new
        self.lookup = np.array(self.new, dtype=np.int64)

    def __call__(self, ids, weights) -> tuple:
        """A term's postings renumbered, deleted documents left out: numpy arrays as arrays, tuples
        (inlined postings, a few each) as lists."""
        if isinstance(ids, np.ndarray):
            new = self.lookup[ids]
            keep = new >= 0
            return new[keep], weights[keep]
        new = self.new
        pairs = [(new[d], w) for d, w in zip(ids, weights, strict=True) if new[d] >= 0]
        return [d for d, _w in pairs], [w for _d, w in pairs]


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
