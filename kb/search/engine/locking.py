"""The one file lock of the search engine and its glue: ``fcntl`` on a lock file, polled until a deadline.

Serialises writers across processes (the Whoosh index writer, the sync of the index with the
database); a lock held by a process that dies is released with it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def poll(try_once: Callable[[], bool], wait: float) -> bool:
    """Call ``try_once`` until it succeeds or ``wait`` seconds have passed (5 ms, doubling up to 0.2 s)."""
    deadline = time.monotonic() + wait
    delay = 0.005
    while not try_once():
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    return True


@contextmanager
def file_lock(path: Path, wait: float) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created if missing); yields False if it stayed busy for ``wait`` s."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def try_once() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            return False

    try:
        held = poll(try_once, wait)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
