"""Render HTML to PDF with WeasyPrint, reading only local files below given directories.

WeasyPrint would fetch any URL a stylesheet or image names; here it may read the project's
static files and the font cache and nothing else – no network, no other paths. The vendored
KERN fonts are WOFF2; decompressing them costs about a second per font and render, so they are
unpacked to TrueType once (``font_faces``) and the PDF's stylesheet points there.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

FONT_DIR = Path("vendor/kern/fonts/fira-sans")  # below the static folder
FACES = (  # (file stem, CSS font-weight, CSS font-style)
    ("FiraSans-Regular", 400, "normal"),
    ("FiraSans-Italic", 400, "italic"),
    ("FiraSans-SemiBold", 600, "normal"),
    ("FiraSans-Bold", 700, "normal"),
)

logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its INFO lines narrate every layout step
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _unpack(source: Path, target: Path) -> None:
    """Write ``source`` (WOFF2) as TrueType to ``target`` atomically (several workers may race)."""
    from fontTools.ttLib import TTFont

    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    font = TTFont(str(source))
    font.flavor = None
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(handle)
    font.save(temporary)
    os.replace(temporary, target)


_UNPACKED: dict[Path, Path] = {}  # WOFF2 source -> TrueType file, for every app of this process


def _truetype(source: Path, cache_dir: Path) -> Path:
    """The unpacked TrueType file of ``source`` (made once per process and cache directory)."""
    known = _UNPACKED.get(source)
    if known is not None and known.exists() and known.stat().st_mtime >= source.stat().st_mtime:
        return known
    target = cache_dir / f"{source.stem}.ttf"
    if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
        _unpack(source, target)
    _UNPACKED[source] = target.resolve()
    return _UNPACKED[source]


def font_faces(static_root: str | Path, cache_dir: str | Path) -> tuple[str, list[Path]]:
    """``@font-face`` rules for Fira Sans as unpacked TrueType files, and the directories they are in."""
    rules, folders = [], set()
    for stem, weight, style in FACES:
        font = _truetype(Path(static_root).resolve() / FONT_DIR / f"{stem}.woff2", Path(cache_dir))
        folders.add(font.parent)
        rules.append(f'@font-face {{ font-family: "Fira Sans"; font-weight: {weight}; font-style: {style}; '
                     f'src: url("{font.as_uri()}"); }}')
    return "\n".join(rules), sorted(folders)


def _fetcher(roots: list[Path]):
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """Serve ``file:`` URLs inside the allowed directories; refuse everything else."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise ValueError(f"PDF: nur lokale Dateien, nicht {url}")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise ValueError(f"PDF: {path} liegt außerhalb der erlaubten Verzeichnisse")
            return super().fetch(path.as_uri(), headers)

    return LocalFetcher(allowed_protocols=("file",))


def html_to_pdf(html: str, static_root: str | Path, *more_roots: str | Path) -> bytes:
    """Return the PDF of ``html``; relative URLs resolve against ``static_root``."""
    from weasyprint import HTML

    root = Path(static_root).resolve()
    roots = [root, *(Path(r).resolve() for r in more_roots)]
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=_fetcher(roots))
    return document.write_pdf()
