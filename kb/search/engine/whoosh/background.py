"""Build the index segments of a bulk import in worker processes while the caller writes its database.

The caller (``kb.search.importing``) hands over documents as soon as their rows are written and
commits the build only after its own database commit; until then nothing is visible: the
workers write new segment files that no table of contents names yet. The build holds the
index's write lock from start to end, so no other writer commits (and cleans up files) meanwhile.

Each worker analyses its documents and inverts their postings in memory (``codec._BulkWriter``),
and writes its own segment when the build is committed: worker ``k`` takes the ``k``-th share of
the expected documents (:func:`shares`: the first one a larger share, as it starts first), which
arrive in id order, so the segments keep the documents in id order (ties in ranking are broken by
document number, as in a single segment).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import queue
import random
import traceback
from bisect import bisect_right
from collections.abc import Callable
from contextlib import ExitStack
from itertools import accumulate
from typing import Any

from kb.search.engine import german
from kb.search.engine.base import SearchDocument
from kb.search.engine.german import compounds
from kb.search.engine.whoosh.codec import _BulkWriter, abandon_segment, commit_segments, finish_segment, make_codec
from kb.search.engine.whoosh.schema import _doc_fields

#: seconds to wait for a worker's segment after the last document (it writes the segment then)
FINISH_TIMEOUT = 900.0
#: how much more than the others the first worker takes: its documents are written first, so it starts
#: earlier (45 % more, 59 / 41 %: with the faster analysis of 07.12.2026 the second worker still ran 1–1.5 s alone at
#: the end of a 50,000-case import with three tenths more; 0.5 made both end together, 0.45 stays below 60 %)
FIRST_WORKER_EXTRA = 0.45


def shares(expected: int, workers: int) -> list[int]:
    """How many of ``expected`` documents each worker takes, in order (the last one takes any surplus)."""
    weights = [1.0 + FIRST_WORKER_EXTRA] + [1.0] * (workers - 1)
    counts = [int(expected * w / sum(weights)) for w in weights]
    counts[0] += expected - sum(counts)
    return counts


def _next(jobs, parent: int):
    """The next job; ends the worker if its parent died (it must not outlive the parent's locks)."""
    while True:
        try:
            return jobs.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                raise SystemExit(1) from None


def _warm_up() -> None:
    """Load the synonyms and the compound lexicon before the first documents arrive (a caller that
    starts the build early lets the workers do this while a core is still free)."""
    german.load_synonyms()
    german.split_compound("Radwegeplanung")
    compounds.keep_more_tokens()  # this process ends with the build: its tables may grow


def _work(ix, jobs, results, prepare, parent: int) -> None:
    """Worker: prepare, analyse and add documents until ``None``, then write the segment and report it."""
    random.seed()  # segment names are random: never the sibling's
    gc.disable()  # a worker lives for one build; full collections would walk the parent's inherited heap
    writer = None
    try:
        writer = _BulkWriter(ix, _lk=False, codec=make_codec())
        _warm_up()
        while (batch := _next(jobs, parent)) is not None:
            for item in batch:
                writer.add_document(**_doc_fields(prepare(item) if prepare is not None else item, packed=False))
        results.put(("ok", finish_segment(writer) if writer.docnum else None))
    except BaseException:  # noqa: BLE001  (reported to the parent, which raises)
        if writer is not None:
            abandon_segment(writer)
        results.put(("error", traceback.format_exc()))


class BackgroundBuild:
    """New documents indexed by ``procs`` worker processes; visible after :meth:`commit`."""

    def __init__(self, ix, lock, writer, live_ids: Callable[[], set[int]], expected: int, procs: int,
                 prepare: Callable[[Any], SearchDocument] | None = None) -> None:
        """``lock``: the index's write lock (a context manager, held until the end); ``writer``: a
        whoosh writer (holds whoosh's own lock, commits the table of contents); ``live_ids``: the ids
        in the index now."""
        self.live_ids = live_ids
        self.expected = max(expected, 1)
        self.sent = 0
        self._limits: list[int] = []  # documents sent before worker k + 1 takes over
        self.ids: set[int] = set()
        self._stack = ExitStack()
        self._writer = None
        self._workers: list[tuple[mp.Process, mp.Queue, mp.Queue]] = []
        self._stack.enter_context(lock)
        try:
            self._writer = writer()
            ctx = mp.get_context("fork")
            for _ in range(max(procs, 1)):
                jobs, results = ctx.Queue(), ctx.Queue()
                process = ctx.Process(target=_work, args=(ix, jobs, results, prepare, os.getpid()), daemon=True)
                process.start()
                self._workers.append((process, jobs, results))
            self._limits = list(accumulate(shares(self.expected, len(self._workers))))
        except BaseException:
            self.cancel()
            raise

    def add(self, items: list, ids: list[int]) -> None:
        """Queue documents (or what ``prepare`` makes them from) with their ids, ascending across calls."""
        last = len(self._workers) - 1
        start = 0
        while start < len(items):
            worker = min(bisect_right(self._limits, self.sent), last)
            take = len(items) - start
            if worker < last:
                take = min(take, self._limits[worker] - self.sent)
            self._workers[worker][1].put(items[start : start + take])
            self.ids.update(ids[start : start + take])
            self.sent += take
            start += take

    def commit(self) -> int:
        """Let the workers write their segments and make them visible in one new generation."""
        try:
            for _process, jobs, _results in self._workers:
                jobs.put(None)
            segments = []
            for process, _jobs, results in self._workers:
                status, value = results.get(timeout=FINISH_TIMEOUT)
                if status != "ok":
                    raise RuntimeError(f"Suchindex-Prozess {process.pid} fehlgeschlagen:\n{value}")
                if value is not None:
                    segments.append(value)
            writer = self._writer
            for docid in self.ids & self.live_ids():  # replaced documents
                writer.delete_by_term("id", str(docid))
            commit_segments(writer, segments)
            self._writer = None
            return self.sent
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop the workers and forget their files (the next commit of any writer removes them)."""
        try:
            for process, jobs, _results in self._workers:
                if process.is_alive():
                    process.terminate()
                process.join(5)
                jobs.cancel_join_thread()
            self._workers = []
            if getattr(self, "_writer", None) is not None:
                self._writer.cancel()
                self._writer = None
        finally:
            self._stack.close()
