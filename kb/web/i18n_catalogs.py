"""Compiled message catalogues: never serve a half-built translation.

Without ``messages.mo`` (or with one older than its ``messages.po``) Flask-Babel silently falls
back to German text while dates are already formatted in English. :func:`ensure_compiled` runs
before Flask-Babel starts: outside production it compiles what is missing or stale (in place, or
into ``$KB_DATA_DIR/translations`` when the code is read-only); in production it refuses to start
and says what to run.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import MutableMapping
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)


class MissingTranslations(RuntimeError):
    """The catalogues are not compiled and this installation may not compile them itself."""


def stale_catalogues(directory: Path) -> list[Path]:
    """Every messages.po under ``directory`` whose messages.mo is missing or older."""
    stale = []
    for po_file in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_file = po_file.with_suffix(".mo")
        if not mo_file.exists() or mo_file.stat().st_mtime < po_file.stat().st_mtime:
            stale.append(po_file)
    return stale


def compile_catalogue(po_file: Path, mo_file: Path) -> None:
    """Write the .mo of one .po (atomically: several workers may start at once)."""
    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    mo_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo_file.parent, suffix=".mo.tmp")
    with os.fdopen(fd, "wb") as handle:
        write_mo(handle, catalog)
    os.replace(tmp, mo_file)


def compile_stale(directory: Path) -> list[Path]:
    """Compile every stale catalogue in place; return the .mo files written."""
    written = []
    for po_file in stale_catalogues(directory):
        compile_catalogue(po_file, po_file.with_suffix(".mo"))
        written.append(po_file.with_suffix(".mo"))
    return written


def ensure_compiled(config: MutableMapping) -> list[Path]:
    """Make sure every catalogue is compiled before Flask-Babel starts; return the .mo files written.

    May point ``BABEL_TRANSLATION_DIRECTORIES`` to a compiled copy under ``KB_DATA_DIR``.
    """
    directory = Path(config["BABEL_TRANSLATION_DIRECTORIES"])
    stale = stale_catalogues(directory)
    if not stale:
        return []
    if config.get("ENV_NAME") == "production":
        names = ", ".join(str(p.with_suffix(".mo")) for p in stale)
        raise MissingTranslations(
            f"Die Übersetzungen sind nicht vollständig kompiliert ({names} fehlt oder ist älter als die .po-Datei). "
            "Im Produktivbetrieb startet der Praxisatlas so nicht, damit keine halb übersetzten Seiten "
            "ausgeliefert werden: bitte beim Deployment `make translations` (oder `pybabel compile -d "
            f"{directory}`) ausführen.")
    try:
        written = compile_stale(directory)
    except OSError:  # read-only code: compile a copy into the data directory
        copy = Path(config["KB_DATA_DIR"]) / "translations"
        shutil.copytree(directory, copy, dirs_exist_ok=True)
        written = compile_stale(copy)
        config["BABEL_TRANSLATION_DIRECTORIES"] = str(copy)
    log.warning("Übersetzungen kompiliert: %s", ", ".join(str(p) for p in written))
    return written
