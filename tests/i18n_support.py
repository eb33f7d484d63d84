"""Message catalogues for tests: compile missing .mo files, extract the current msgids.

``make translations`` builds the .mo files (they are not in the repository); the conftest calls
:func:`compile_catalogs` so that a bare ``pytest`` serves English too. :func:`extract` runs the
same extraction as ``make translations-update`` (babel.cfg, the same keywords) in-process.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from kb.web.i18n_catalogs import compile_stale

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "kb" / "translations"
# Same keywords as `make translations-update`: Babel's defaults (_, gettext, ngettext, …) and the lazy ones.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def catalog_files(translations: Path = TRANSLATIONS) -> list[Path]:
    """Every <translations>/<lang>/LC_MESSAGES/messages.po."""
    return sorted(translations.glob("*/LC_MESSAGES/messages.po"))


def read_catalog(po_file: Path) -> Catalog:
    with po_file.open("rb") as handle:
        return read_po(handle)


def compile_catalogs(translations: Path = TRANSLATIONS) -> list[Path]:
    """Write messages.mo next to every .po whose .mo is missing or older; return what was written."""
    return compile_stale(translations)


def extract() -> dict[tuple[str | None, str | tuple[str, ...]], list[str]]:
    """Every (context, msgid) in kb/, config.py and templates/ (per babel.cfg) → where it occurs.

    A plural msgid is a tuple (singular, plural).
    """
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message if isinstance(message, str) else tuple(message)
        if msgid and (isinstance(msgid, str) or msgid[0]):
            found.setdefault((context, msgid), []).append(f"{filename}:{lineno}")
    return found
