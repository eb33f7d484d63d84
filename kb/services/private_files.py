"""Files only the service account may read: data directory, database, outbox, backups (issue 19, item 12).

The outbox holds live reset links when no SMTP server is configured, backups hold every account's
password hash; neither may be readable for other users of the machine, whatever the umask.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) if needed and make it 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty ``path`` as 0600 if it does not exist, else make it 0600."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        tighten(path, FILE_MODE)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write a new file that only the owner may read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def tighten(path: Path, mode: int) -> None:
    """Take away group and other permissions (log, do not fail, if the file belongs to someone else)."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            os.chmod(path, current & mode)
    except OSError as exc:
        log.warning("Rechte von %s nicht einschränkbar: %s", path, exc)


def restrict_tree(root: Path) -> None:
    """Make every directory below ``root`` (and root) 0700 and every file 0600."""
    tighten(root, DIR_MODE)
    for path in root.rglob("*"):
        tighten(path, DIR_MODE if path.is_dir() else FILE_MODE)
