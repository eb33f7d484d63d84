"""Bulk writing: documents analysed in worker processes, one segment inverted in memory."""

from __future__ import annotations

import multiprocessing as mp
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import islice, repeat

import numpy as np
from whoosh import writing

from kb.search.engine.base import SearchDocument
from kb.search.engine.whoosh.schema import ListTokenizer, PackedImpacts, _doc_fields


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
