"""Strict and non-strict reading of publiccode.yml: every deviation found, each marked tolerable or not.

The reference parser of publiccode.yml (Developers Italia) once had the same split: strict for
editors and validators, non-strict for crawlers. Here :class:`SpecChecker` checks a loaded file
against the spec (the mandatory keys of ``publiccode_schema`` plus known keys, value formats and
``usedBy``) and returns :class:`Deviation` objects:

* strict (``import-cases`` without ``--lenient``): every deviation is an error;
* non-strict (``--lenient``, the harvester): a *tolerable* deviation becomes a warning and
  :func:`repair` applies its fix — the value is mapped where the mapping is certain
  (``Stable`` → ``stable``, ``01.04.2019`` → ``2019-04-01``, a single text where a list is
  expected, a renamed key) and left empty otherwise (the key is dropped); the rest stays an error.

What stays an error in non-strict mode is listed in docs/publiccode.md: no usable YAML, no or a
foreign ``publiccodeYmlVersion``, no ``name``, no ``url``, no ``developmentStatus`` that can be
read, and no description text in any language.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from kb.services.interchange.publiccode.schema import DATE_RE, ParsedFile, SpecProblem, _MandatoryKeys
from kb.services.registry.organisations import organisation_kind

TOP_KEYS = frozenset({
    "publiccodeYmlVersion", "name", "applicationSuite", "url", "landingURL", "isBasedOn", "softwareVersion",
    "releaseDate", "logo", "monochromeLogo", "organisation", "inputTypes", "outputTypes", "platforms",
    "categories", "usedBy", "fundedBy", "roadmap", "developmentStatus", "softwareType", "supports",
    "intendedAudience", "description", "legal", "maintenance", "localisation", "dependsOn", "it", "IT",
})
SECTION_KEYS = {
    "legal": frozenset({"license", "mainCopyrightOwner", "repoOwner", "authorsFile"}),
    "maintenance": frozenset({"type", "contractors", "contacts"}),
    "localisation": frozenset({"localisationReady", "availableLanguages"}),
    "intendedAudience": frozenset({"scope", "countries", "unsupportedCountries"}),
    "organisation": frozenset({"name", "uri"}),
}
DESCRIPTION_KEYS = frozenset({"localisedName", "genericName", "shortDescription", "longDescription",
                              "documentation", "apiDocumentation", "features", "screenshots", "videos", "awards"})
#: keys renamed in the spec: the old name is mapped in non-strict mode (as the reference parser did)
RENAMED = {
    ("description", "*", "featureList"): "features",
    ("it", "conforme", "accessibile"): "lineeGuidaDesign",
    ("it", "conforme", "interoperabile"): "modelloInteroperabilita",
    ("it", "conforme", "sicuro"): "misureMinimeSicurezza",
    ("it", "conforme", "privacy"): "gdpr",
}
IT_KEYS = {
    (): frozenset({"countryExtensionVersion", "conforme", "riuso", "piattaforme"}),
    ("conforme",): frozenset({"lineeGuidaDesign", "modelloInteroperabilita", "misureMinimeSicurezza", "gdpr"}),
    ("riuso",): frozenset({"codiceIPA"}),
    ("piattaforme",): frozenset({"spid", "pagopa", "cie", "anpr", "io"}),
}
IT_MOVED = {"spid", "pagopa", "cie", "anpr"}  # it.spid → it.piattaforme.spid
#: values of developmentStatus that certainly mean one of the spec's values
STATUS_SYNONYMS = {"production": "stable", "released": "stable", "deprecated": "obsolete",
                   "discontinued": "obsolete", "archived": "obsolete", "unmaintained": "obsolete",
                   "alpha": "development", "in development": "development", "wip": "development",
                   "planning": "concept", "idea": "concept"}
#: keys whose absence (or unusable value) leaves the record meaningful: imported empty in non-strict mode
OPTIONAL_IN_PRACTICE = {("platforms",), ("categories",), ("softwareType",), ("releaseDate",), ("legal",),
                        ("legal", "license"), ("maintenance",), ("maintenance", "type"),
                        ("maintenance", "contacts"), ("maintenance", "contractors"), ("localisation",),
                        ("localisation", "localisationReady"), ("localisation", "availableLanguages")}
MAX_SUMMARY = 600
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
ISO_LIKE_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


@dataclass
class Deviation:
    """Where a file departs from the spec, what it means, and (if tolerable) how it is repaired."""

    line: int | None
    field: str
    message: str
    tolerable: bool = False
    fix: Callable[[dict], None] | None = field(default=None, repr=False, compare=False)
    remedy: str | None = None  # what the non-strict reading does about it

    def as_problem(self) -> SpecProblem:
        """The deviation as an error of the strict reading (naming what --lenient would do)."""
        if not self.tolerable or not self.remedy:
            return SpecProblem(self.line, self.field, self.message)
        return SpecProblem(self.line, self.field, _("%(message)s (mit --lenient: %(remedy)s)",
                                                    message=self.message, remedy=self.remedy))

    @property
    def warning(self) -> str:
        """The deviation as a warning of the non-strict reading."""
        return f"{self.message} {self.remedy}" if self.remedy else self.message


def examine(parsed: ParsedFile) -> list[Deviation]:
    """Every deviation of the file from the spec (the file itself is not changed)."""
    checker = SpecChecker(parsed)
    checker.check()
    return sorted(checker.deviations, key=lambda d: d.line or 0)


def repair(parsed: ParsedFile, deviations: list[Deviation]) -> None:
    """Apply the fixes of the tolerable deviations to the file's data."""
    for deviation in deviations:
        if deviation.tolerable and deviation.fix is not None:
            deviation.fix(parsed.data)


def _drop(path: tuple[str, ...]) -> Callable[[dict], None]:
    def fix(data: dict) -> None:
        parent = _parent(data, path)
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return fix


def _put(path: tuple[str, ...], value: Any) -> Callable[[dict], None]:
    def fix(data: dict) -> None:
        parent = _parent(data, path, create=True)
        if isinstance(parent, dict):
            parent[path[-1]] = copy.deepcopy(value)
    return fix


def _parent(data: dict, path: tuple[str, ...], create: bool = False) -> Any:
    node: Any = data
    for key in path[:-1]:
        if not isinstance(node, dict):
            return None
        if create and not isinstance(node.get(key), dict):
            node[key] = {}
        node = node.get(key)
    return node


def certain_date(value: Any) -> str | None:
    """A date written another way, when there is only one way to read it (``01.04.2019``, ``2019/4/1``)."""
    text = str(value).strip()
    for pattern, order in ((ISO_LIKE_DATE, (0, 1, 2)), (GERMAN_DATE, (2, 1, 0))):
        match = pattern.match(text)
        if match:
            parts = [int(match.group(i + 1)) for i in order]
            try:
                return dt.date(*parts).isoformat()
            except ValueError:
                return None
    return None


def is_company(name: str) -> bool:
    """True for a name with a company's legal form (GmbH, S.r.l., B.V., Ltd …)."""
    return organisation_kind(name) == "unternehmen"


class SpecChecker(_MandatoryKeys):
    """The mandatory keys of the spec, plus known keys, formats and ``usedBy`` — as deviations."""

    def __init__(self, parsed: ParsedFile) -> None:
        super().__init__(parsed)
        self.deviations: list[Deviation] = [Deviation(p.line, p.field, p.message, True) for p in parsed.notes]

    # every problem found by the mandatory-key checks arrives here
    def fail(self, path: tuple[str, ...], message: str, *, tolerable: bool | None = None,
             fix: Callable[[dict], None] | None = None, remedy: str | None = None) -> None:
        if tolerable is None:
            tolerable = path in OPTIONAL_IN_PRACTICE
        if tolerable and fix is None:
            fix = _drop(path)
            remedy = remedy or _("Bleibt leer.")
        line = self.parsed.line(*path)
        self.deviations.append(Deviation(line, ".".join(path), message, tolerable, fix, remedy))
        self.problems.append(SpecProblem(line, ".".join(path), message))

    def check(self) -> None:
        self.known_keys()
        self.dates()
        super().check()
        self.used_by()

    # -- values -----------------------------------------------------------------------------------

    def one_of(self, path: tuple[str, ...], allowed: tuple[str, ...]) -> None:
        value = self.get(*path)
        if value in (None, "") or value in allowed:
            super().one_of(path, allowed)
            return
        text = " ".join(str(value).split()).casefold()
        mapped = next((a for a in allowed if a.casefold() == text), None)
        if mapped is None and path == ("developmentStatus",):
            mapped = STATUS_SYNONYMS.get(text)
        message = _("Ungültiger Wert „%(value)s“ für „%(key)s“; erlaubt: %(allowed)s.",
                    value=value, key=".".join(path), allowed=", ".join(allowed))
        if mapped is not None:
            self.fail(path, message, tolerable=True, fix=_put(path, mapped),
                      remedy=_("Gelesen als „%(mapped)s“.", mapped=mapped))
        elif path == ("developmentStatus",):
            self.fail(path, message, tolerable=False)
        else:
            self.fail(path, message, tolerable=True)

    def release_date(self) -> None:
        value = self.get("releaseDate")
        if value in (None, ""):
            super().release_date()

    def dates(self) -> None:
        value = self.get("releaseDate")
        if value in (None, "") or (DATE_RE.match(str(value)) and certain_date(value)):
            return
        mapped = certain_date(value)
        message = _("„releaseDate“ muss ein Datum JJJJ-MM-TT sein, nicht „%(value)s“.", value=value)
        if mapped:
            self.fail(("releaseDate",), message, tolerable=True, fix=_put(("releaseDate",), mapped),
                      remedy=_("Gelesen als %(date)s.", date=mapped))
        else:
            self.fail(("releaseDate",), message, tolerable=True)

    def string_list(self, path: tuple[str, ...]) -> None:
        value = self.get(*path)
        if isinstance(value, str) and value.strip():
            self.fail(path, _("„%(key)s“ muss eine Liste sein, nicht ein einzelner Text.", key=".".join(path)),
                      tolerable=True, fix=_put(path, [value.strip()]), remedy=_("Als Liste gelesen."))
            return
        super().string_list(path)

    def localisation(self) -> None:
        if not isinstance(self.get("localisation"), dict):
            self.missing(("localisation",))
            return
        path = ("localisation", "localisationReady")
        ready = self.get(*path)
        if isinstance(ready, str) and ready.strip().casefold() in ("true", "false", "yes", "no", "ja", "nein"):
            mapped = ready.strip().casefold() in ("true", "yes", "ja")
            self.fail(path, _("„localisation.localisationReady“ muss true oder false sein, nicht „%(value)s“.",
                              value=ready), tolerable=True, fix=_put(path, mapped),
                      remedy=_("Gelesen als %(value)s.", value=str(mapped).lower()))
        elif not isinstance(ready, bool):
            self.fail(path, _("Pflichtangabe „localisation.localisationReady“ fehlt oder ist nicht true/false."))
        self.string_list(("localisation", "availableLanguages"))

    # -- description ------------------------------------------------------------------------------

    def description(self) -> None:
        value = self.get("description")
        if not isinstance(value, dict) or not value:
            self.fail(("description",), _("Pflichtangabe „description“ fehlt oder ist leer."), tolerable=False)
            return
        texts = [t for t in value.values() if isinstance(t, dict)]
        if not any(_text(t.get("shortDescription")) or _text(t.get("longDescription")) for t in texts):
            self.fail(("description",), _("Keine Beschreibung in irgendeiner Sprache (weder „shortDescription“ "
                                          "noch „longDescription“)."), tolerable=False)
            return
        for lang, text in value.items():
            if not isinstance(text, dict):
                self.fail(("description", str(lang)), _("„description.%(lang)s“ muss Schlüssel enthalten.",
                                                        lang=lang), tolerable=True)
                continue
            self.language(str(lang), text)
        self.long_and_features(value)

    def language(self, lang: str, text: dict) -> None:
        path = ("description", lang, "shortDescription")
        short = text.get("shortDescription")
        if not _text(short):
            long_text = _text(text.get("longDescription"))
            fix = _put(path, _shorten(long_text)) if long_text else _drop(("description", lang))
            remedy = _("Aus „longDescription“ gekürzt.") if long_text else _("Sprache wird übergangen.")
            self.fail(path, _("Pflichtangabe „%(key)s“ fehlt oder ist leer.", key=".".join(path)), tolerable=True,
                      fix=fix, remedy=remedy)
        elif len(_text(short)) > MAX_SUMMARY:
            self.fail(path, _("„shortDescription“ ist zu lang (höchstens 150 Zeichen laut Standard)."), tolerable=True,
                      fix=_put(path, _shorten(short)), remedy=_("Auf %(n)d Zeichen gekürzt.", n=MAX_SUMMARY))
        features = text.get("features")
        if isinstance(features, str) and features.strip():
            self.fail(("description", lang, "features"), _("„features“ muss eine Liste sein, nicht ein einzelner "
                                                           "Text."), tolerable=True,
                      fix=_put(("description", lang, "features"), [features.strip()]), remedy=_("Als Liste gelesen."))

    def long_and_features(self, value: dict) -> None:
        texts = {str(k): v for k, v in value.items() if isinstance(v, dict)}
        first = next(iter(texts), str(next(iter(value))))
        if not any(_text(t.get("longDescription")) for t in texts.values()):
            self.fail(("description", first, "longDescription"), _(
                "Pflichtangabe „description.<Sprache>.longDescription“ fehlt (in mindestens einer Sprache)."),
                tolerable=True, remedy=_("Die Kurzbeschreibung dient als Beschreibung."))
        if not any(t.get(key) for t in texts.values() for key in ("features", "featureList")):
            self.fail(("description", first, "features"), _(
                "Pflichtangabe „description.<Sprache>.features“ fehlt (in mindestens einer Sprache)."), tolerable=True)

    # -- keys -------------------------------------------------------------------------------------

    def known_keys(self) -> None:
        for key in list(self.data):
            if key not in TOP_KEYS:
                self.unknown((key,))
        for section, known in SECTION_KEYS.items():
            if isinstance(self.data.get(section), dict):
                for key in self.data[section]:
                    if key not in known:
                        self.unknown((section, str(key)))
        description = self.data.get("description")
        for lang, text in (description.items() if isinstance(description, dict) else []):
            for key in (text if isinstance(text, dict) else {}):
                if key == "featureList":
                    self.renamed(("description", str(lang), key), "features")
                elif key not in DESCRIPTION_KEYS:
                    self.unknown(("description", str(lang), str(key)))
        for country in ("it", "IT"):
            if isinstance(self.data.get(country), dict):
                self.italian(country)

    def unknown(self, path: tuple[str, ...]) -> None:
        self.fail(path, _("Unbekannter Schlüssel „%(key)s“.", key=".".join(path)), tolerable=True,
                  remedy=_("Wird nicht übernommen."))

    def renamed(self, path: tuple[str, ...], new: str) -> None:
        target = (*path[:-1], new)
        value = self.get(*path)

        def fix(data: dict) -> None:
            _drop(path)(data)
            if self.get(*target) is None:
                _put(target, value)(data)

        self.fail(path, _("Der Schlüssel „%(old)s“ heißt seit Version 0.2 „%(new)s“.", old=".".join(path),
                          new=".".join(target)), tolerable=True, fix=fix,
                  remedy=_("Übernommen als „%(new)s“.", new=".".join(target)))

    def italian(self, country: str) -> None:
        """The Italian section: its known keys, and the keys renamed or moved in it."""
        section = self.data[country]
        for key, value in section.items():
            if key in IT_MOVED:
                moved = (country, "piattaforme", key)
                self.fail((country, key), _("Der Schlüssel „%(old)s“ heißt seit Version 0.2 „%(new)s“.",
                                            old=f"{country}.{key}", new=".".join(moved)), tolerable=True,
                          fix=_moved((country, key), moved, value),
                          remedy=_("Übernommen als „%(new)s“.", new=".".join(moved)))
            elif key not in IT_KEYS[()]:
                self.unknown((country, str(key)))
            elif isinstance(value, dict):
                for sub in value:
                    renamed = RENAMED.get(("it", key, sub))
                    if renamed:
                        self.renamed((country, key, str(sub)), renamed)
                    elif sub not in IT_KEYS[(key,)]:
                        self.unknown((country, key, str(sub)))

    # -- usedBy -----------------------------------------------------------------------------------

    def used_by(self) -> None:
        value = self.get("usedBy")
        if value in (None, [], ""):
            return
        if isinstance(value, str):
            self.fail(("usedBy",), _("„usedBy“ muss eine Liste sein, nicht ein einzelner Text."), tolerable=True,
                      fix=_put(("usedBy",), [value.strip()]), remedy=_("Als Liste gelesen."))
            value = [value]
        if not isinstance(value, list):
            self.fail(("usedBy",), _("„usedBy“ muss eine Liste von Namen sein."), tolerable=True,
                      remedy=_("Keine Nachnutzer übernommen."))
            return
        owners = {_folded(self.get(*p)) for p in (("organisation", "name"), ("legal", "mainCopyrightOwner"),
                                                  ("legal", "repoOwner")) if isinstance(self.get(*p), str)}
        keep: list[str] = []
        changed = False
        for index, item in enumerate(value):
            name = item.get("name") if isinstance(item, dict) else item
            where = ("usedBy", f"[{index + 1}]")
            if not isinstance(name, str) or not name.strip():
                self.deviation(where, _("Eintrag %(n)d von „usedBy“ ist kein Name.", n=index + 1),
                               _("Wird übergangen."))
                changed = True
            elif is_company(name) and _folded(name) not in owners:
                self.deviation(where, _("„%(name)s“ in „usedBy“ ist ein Unternehmen, keine öffentliche Stelle.",
                                        name=name.strip()), _("Wird nicht als Nachnutzer übernommen."))
                changed = True
            else:
                if isinstance(item, dict):
                    self.deviation(where, _("Eintrag %(n)d von „usedBy“ ist ein Objekt, kein Name.", n=index + 1),
                                   _("Übernommen wird sein Name „%(name)s“.", name=name.strip()))
                    changed = True
                keep.append(name.strip())
        if changed:
            self.deviations[-1].fix = _put(("usedBy",), keep)

    def deviation(self, where: tuple[str, str], message: str, remedy: str) -> None:
        """A tolerable deviation in one item of a list (the line of that item, the field ``usedBy[n]``)."""
        self.deviations.append(Deviation(self.parsed.line(*where), "".join(where), message, True, None, remedy))


def _moved(old: tuple[str, ...], new: tuple[str, ...], value: Any) -> Callable[[dict], None]:
    def fix(data: dict) -> None:
        _drop(old)(data)
        _put(new, value)(data)
    return fix


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _folded(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_SUMMARY:
        return text
    return text[:MAX_SUMMARY - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
