"""Redirect targets that can only lead back onto this site (``?next=…``, ``next`` fields)."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_local_path(target: str | None) -> bool:
    """True for a plain path on this site ("/cases/x?q=a b"); false for anything a browser
    could read as another host or a script: "//evil", "/\\evil", "https://…", "javascript:…",
    and any target with control characters (browsers drop tabs and newlines, so "/\\t/evil"
    would become "//evil")."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a local path, else ``default``."""
    return target if is_local_path(target) else default
