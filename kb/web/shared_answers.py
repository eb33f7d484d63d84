"""Stored answers shared by the processes of one server: files under ``<KB_DATA_DIR>/answers``.

Every gunicorn worker keeps its own stored answers (kb.web.response_cache); without this store each
worker renders a page once more after a change. A page rendered by one worker is written here (a
file named by its key, written to a temporary name and renamed: readers never see half a file) and
read by the others – only answers kept under a token that outlives the next data change (case pages,
kb.web.caching ``stored_by``): a page of the data generation would be written for nothing whenever
members write. The key holds everything the answer depends on, so a file is never stale; files older
than ``max_age`` are not read and are removed now and then, as are the oldest beyond ``limit``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PRUNE_EVERY = 200  # writes between two clean-ups of one process


@dataclass(frozen=True)
class StoredAnswer:
    """An answer as the view gave it (before the after-request handlers): where the visitor's form token
    goes (``placeholder``, the storing process's) and the wall-clock time it was stored."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    has_token: bool
    placeholder: bytes
    stored_at: float = field(default_factory=time.time)


class SharedAnswers:
    """Answers as files in one directory, bounded by age and number."""

    def __init__(self, directory: Path, max_age: float, limit: int) -> None:
        self.directory = directory
        self.max_age = max_age
        self.limit = limit
        self._writes = 0
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> StoredAnswer | None:
        """The answer stored under ``key`` if there is one younger than ``max_age``."""
        try:
            with open(self.directory / key, "rb") as stored:
                head, body = stored.readline(), stored.read()
            meta = json.loads(head)
        except (OSError, ValueError):
            return None
        if time.time() - meta["at"] > self.max_age:
            return None
        return StoredAnswer(meta["status"], tuple(tuple(h) for h in meta["headers"]), body, meta["token"],
                            meta["placeholder"].encode(), meta["at"])

    def put(self, key: str, answer: StoredAnswer) -> None:
        """Store an answer (atomically; a failed write leaves nothing behind)."""
        head = json.dumps({"status": answer.status, "headers": answer.headers, "token": answer.has_token,
                           "placeholder": answer.placeholder.decode(), "at": answer.stored_at})
        with self._lock:
            self._writes += 1
            due = self._writes % PRUNE_EVERY == 0
            temporary = self.directory / f".tmp-{os.getpid()}-{threading.get_ident()}-{self._writes}"
        try:
            with open(temporary, "wb") as out:
                out.write(head.encode() + b"\n" + answer.body)
            os.replace(temporary, self.directory / key)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return
        if due:
            self.prune()

    def prune(self) -> None:
        """Remove answers older than ``max_age`` and the oldest beyond ``limit`` (and left-over temporary
        files of a killed process)."""
        now = time.time()
        kept = []
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.directory):
                with contextlib.suppress(OSError):
                    modified = entry.stat().st_mtime
                    if now - modified > self.max_age:
                        os.unlink(entry.path)
                    elif not entry.name.startswith(".tmp-"):
                        kept.append((modified, entry.path))
        kept.sort()
        for _modified, path in kept[:max(0, len(kept) - self.limit)]:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.directory):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
