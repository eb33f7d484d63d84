"""The sources of one harvest: URLs given directly, or list files with one URL per line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from kb.services.interchange.harvest.forges import Location, SourceError, locate

MAX_LIST_BYTES = 1_000_000


@dataclass(frozen=True)
class Source:
    """One source and where it was named (the argument, or a list file and its line)."""

    location: Location
    origin: str

    @property
    def url(self) -> str:
        return self.location.url


def expand(arguments: Iterable[str]) -> list[Source]:
    """Every source named by the arguments, in order and without repeats; raise SourceError naming the culprit."""
    found: dict[str, Source] = {}
    for argument in arguments:
        text = argument.strip()
        entries = [(text, text)] if _looks_like_url(text) else _list_file(Path(text))
        for line_text, origin in entries:
            location = locate(line_text)
            found.setdefault(location.url, Source(location, origin))
    return list(found.values())


def _looks_like_url(text: str) -> bool:
    return "://" in text or text.startswith("git@")


def _list_file(path: Path) -> list[tuple[str, str]]:
    """The URLs of a list file: one per line; blank lines and ``#`` comments are skipped."""
    if not path.is_file():
        raise SourceError(_("„%(source)s“ ist weder eine http(s)-Adresse noch eine Datei mit Adressen.",
                            source=str(path)))
    if path.stat().st_size > MAX_LIST_BYTES:
        raise SourceError(_("%(path)s ist zu groß für eine Liste von Adressen (höchstens 1 MB).", path=path))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise SourceError(_("%(path)s ist nicht UTF-8-kodiert.", path=path)) from None
    entries = []
    for number, line in enumerate(lines, start=1):
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        where = f"{path}, Zeile {number}"
        try:
            locate(text)
        except SourceError as exc:
            raise SourceError(f"{where}: {exc}") from None
        entries.append((text, where))
    return entries
