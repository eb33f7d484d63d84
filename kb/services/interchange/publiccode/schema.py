"""Read a publiccode.yml file and check the keys its spec version makes mandatory (0.2–0.7)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import gettext as _

from kb.services.interchange import structured_input
from kb.services.interchange.structured_input import LimitedLoader, StructureError

VERSION_RE = re.compile(r"^0(?:\.(\d+)(\.\d+)?)?$")  # "0" is the newest 0.x, as the reference parser reads it
OLDEST, NEWEST = 2, 7
DEVELOPMENT_STATUSES = ("concept", "development", "beta", "stable", "obsolete")
SOFTWARE_TYPES = ("standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
                  "standalone/backend", "standalone/other", "addon", "library", "configurationFiles")
MAINTENANCE_TYPES = ("internal", "contract", "community", "none")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class SpecProblem:
    """A problem with one key of a publiccode.yml file."""

    line: int | None
    field: str
    message: str


class SpecError(Exception):
    """The file is not a usable publiccode.yml; ``problems`` says why and where."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class ParsedFile:
    """A loaded publiccode.yml: the data, its minor version and the line of every key path."""

    data: dict[str, Any]
    minor: int
    lines: dict[tuple[str, ...], int]
    notes: list[SpecProblem] = field(default_factory=list)  # a version read by the rules of a near one

    def line(self, *path: str) -> int | None:
        """Return the line of the deepest existing key along ``path``."""
        return _line_of(self.lines, path)


def load(text: str) -> ParsedFile:
    """Parse the YAML text; raise SpecError for tabs, syntax errors, a wrong structure or a document
    beyond the limits of kb.services.interchange.structured_input (size, depth, aliases, characters)."""
    try:
        loader = LimitedLoader(text)
    except StructureError as exc:
        raise SpecError([SpecProblem(exc.line, exc.field, str(exc))]) from None
    try:
        _refuse_tab_indentation(text)
        node = loader.get_single_node()
        if node is None:
            raise SpecError([SpecProblem(None, "-", _("Die Datei ist leer."))])
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise SpecError([_yaml_problem(exc)]) from None
    except StructureError as exc:
        raise SpecError([SpecProblem(exc.line, exc.field, str(exc))]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise SpecError([SpecProblem(1, "-", _("Erwartet wird eine Zuordnung von Schlüsseln (publiccode.yml)."))])
    lines: dict[tuple[str, ...], int] = {}
    _collect_lines(node, (), lines)
    data = _plain(data)
    try:
        structured_input.check(data)
    except StructureError as exc:
        path = tuple(exc.field.replace("[", ".[").split("."))
        raise SpecError([SpecProblem(_line_of(lines, path), exc.field, str(exc))]) from None
    parsed = ParsedFile(data, NEWEST, lines)
    parsed.minor = _minor_version(parsed)
    return parsed


def _line_of(lines: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """Return the line of the deepest key along ``path`` that the file has."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _refuse_tab_indentation(text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            raise SpecError([SpecProblem(number, "-", _(
                "Zeile %(line)d ist mit Tabulatoren eingerückt; YAML erlaubt zum Einrücken nur Leerzeichen.",
                line=number))])


def _yaml_problem(exc: yaml.YAMLError) -> SpecProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "expected a single document" in str(exc):
        reason = _("mehrere YAML-Dokumente in einer Datei; erwartet wird genau eines")
    if mark is None:
        return SpecProblem(None, "-", _("Kein gültiges YAML: %(reason)s.", reason=reason))
    return SpecProblem(mark.line + 1, "-", _("Kein gültiges YAML: %(reason)s (Spalte %(col)d).",
                                              reason=reason, col=mark.column + 1))


def _collect_lines(node: yaml.Node, path: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*path, str(key_node.value))
            if key in lines:
                raise SpecError([SpecProblem(key_node.start_mark.line + 1, ".".join(key), _(
                    "Schlüssel „%(key)s“ kommt doppelt vor (zuerst in Zeile %(first)d).",
                    key=".".join(key), first=lines[key]))])
            lines[key] = key_node.start_mark.line + 1
            _collect_lines(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):  # items as "[1]", "[2]" …
        for index, item in enumerate(node.value, start=1):
            lines[(*path, f"[{index}]")] = item.start_mark.line + 1
            _collect_lines(item, (*path, f"[{index}]"), lines)


def _plain(value: Any) -> Any:
    """Turn YAML dates into ISO strings and mapping keys into strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return value


def _minor_version(parsed: ParsedFile) -> int:
    """The spec version's minor number; a 0.x outside 0.2–0.7 is read by the nearest one (with a note)."""
    raw = parsed.data.get("publiccodeYmlVersion")
    line = parsed.lines.get(("publiccodeYmlVersion",))
    if raw in (None, ""):
        raise SpecError([SpecProblem(1, "publiccodeYmlVersion", _(
            "Pflichtangabe „publiccodeYmlVersion“ fehlt – ist das eine publiccode.yml?"))])
    text = str(raw).strip()
    match = VERSION_RE.match(text)
    if not match:
        raise SpecError([SpecProblem(line, "publiccodeYmlVersion", _(
            "publiccode.yml-Version „%(version)s“ wird nicht unterstützt (unterstützt: 0.2 bis 0.7).",
            version=text))])
    minor = int(match.group(1)) if match.group(1) is not None else NEWEST
    if OLDEST <= minor <= NEWEST:
        return minor
    nearest = min(max(minor, OLDEST), NEWEST)
    parsed.notes.append(SpecProblem(line, "publiccodeYmlVersion", _(
        "publiccode.yml-Version „%(version)s“ wird nicht unterstützt (unterstützt: 0.2 bis 0.7); gelesen nach "
        "den Regeln von 0.%(minor)d.", version=text, minor=nearest)))
    return nearest


def check_mandatory(parsed: ParsedFile) -> None:
    """Raise SpecError listing every mandatory key that is missing or has the wrong type."""
    checker = _MandatoryKeys(parsed)
    checker.check()
    if checker.problems:
        raise SpecError(checker.problems)


class _MandatoryKeys:
    """The mandatory keys of publiccode.yml 0.2–0.7."""

    def __init__(self, parsed: ParsedFile) -> None:
        self.parsed = parsed
        self.data = parsed.data
        self.problems: list[SpecProblem] = []

    def fail(self, path: tuple[str, ...], message: str) -> None:
        self.problems.append(SpecProblem(self.parsed.line(*path), ".".join(path), message))

    def missing(self, path: tuple[str, ...]) -> None:
        self.fail(path, _("Pflichtangabe „%(key)s“ fehlt oder ist leer.", key=".".join(path)))

    def get(self, *path: str) -> Any:
        value: Any = self.data
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def check(self) -> None:
        for key in ("name", "url"):
            if not isinstance(self.get(key), str) or not self.get(key).strip():
                self.missing((key,))
        self.platforms()
        self.string_list(("categories",))
        self.one_of(("developmentStatus",), DEVELOPMENT_STATUSES)
        self.one_of(("softwareType",), SOFTWARE_TYPES)
        if self.parsed.minor < 4:
            self.release_date()
        self.description()
        if not isinstance(self.get("legal", "license"), str) or not self.get("legal", "license").strip():
            self.missing(("legal", "license"))
        self.maintenance()
        self.localisation()

    def platforms(self) -> None:
        value = self.get("platforms")
        if isinstance(value, str) and value.strip():
            return
        self.string_list(("platforms",))

    def string_list(self, path: tuple[str, ...]) -> None:
        value = self.get(*path)
        if not isinstance(value, list) or not value:
            self.missing(path)
        elif not all(isinstance(item, str) and item.strip() for item in value):
            self.fail(path, _("„%(key)s“ muss eine Liste von Texten sein.", key=".".join(path)))

    def one_of(self, path: tuple[str, ...], allowed: tuple[str, ...]) -> None:
        value = self.get(*path)
        if value in (None, ""):
            self.missing(path)
        elif value not in allowed:
            self.fail(path, _("Ungültiger Wert „%(value)s“ für „%(key)s“; erlaubt: %(allowed)s.",
                              value=value, key=".".join(path), allowed=", ".join(allowed)))

    def release_date(self) -> None:
        value = self.get("releaseDate")
        if value in (None, ""):
            self.fail(("releaseDate",), _(
                "Pflichtangabe „releaseDate“ fehlt (in Version 0.%(minor)d vorgeschrieben).", minor=self.parsed.minor))
        elif not DATE_RE.match(str(value)):
            self.fail(("releaseDate",), _("„releaseDate“ muss ein Datum JJJJ-MM-TT sein."))

    def description(self) -> None:
        value = self.get("description")
        if not isinstance(value, dict) or not value:
            self.missing(("description",))
            return
        has_long = has_features = False
        for lang, text in value.items():
            if not isinstance(text, dict):
                self.fail(("description", lang), _("„description.%(lang)s“ muss Schlüssel enthalten.", lang=lang))
                continue
            short = text.get("shortDescription")
            if not isinstance(short, str) or not short.strip():
                self.missing(("description", lang, "shortDescription"))
            elif len(" ".join(short.split())) > 600:
                self.fail(("description", lang, "shortDescription"), _(
                    "„shortDescription“ ist zu lang (höchstens 150 Zeichen laut Standard)."))
            has_long |= isinstance(text.get("longDescription"), str) and bool(text["longDescription"].strip())
            features = text.get("features")
            has_features |= isinstance(features, list) and any(isinstance(f, str) and f.strip() for f in features)
        first = str(next(iter(value)))
        if not has_long:
            self.fail(("description", first, "longDescription"), _(
                "Pflichtangabe „description.<Sprache>.longDescription“ fehlt (in mindestens einer Sprache)."))
        if not has_features:
            self.fail(("description", first, "features"), _(
                "Pflichtangabe „description.<Sprache>.features“ fehlt (in mindestens einer Sprache)."))

    def maintenance(self) -> None:
        kind = self.get("maintenance", "type")
        self.one_of(("maintenance", "type"), MAINTENANCE_TYPES)
        if kind == "contract" and not self.get("maintenance", "contractors"):
            self.fail(("maintenance", "contractors"), _(
                "Bei „maintenance.type: contract“ ist „maintenance.contractors“ Pflicht."))
        if kind in ("internal", "community") and not self.get("maintenance", "contacts"):
            self.fail(("maintenance", "contacts"), _(
                "Bei „maintenance.type: %(type)s“ ist „maintenance.contacts“ Pflicht.", type=kind))

    def localisation(self) -> None:
        if not isinstance(self.get("localisation"), dict):
            self.missing(("localisation",))
            return
        if not isinstance(self.get("localisation", "localisationReady"), bool):
            self.fail(("localisation", "localisationReady"), _(
                "Pflichtangabe „localisation.localisationReady“ fehlt oder ist nicht true/false."))
        self.string_list(("localisation", "availableLanguages"))
