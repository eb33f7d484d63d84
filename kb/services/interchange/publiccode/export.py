"""Describe software cases as publiccode.yml 0.4.0 documents (adopters become ``usedBy``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import yaml

from kb.models import UseCase
from kb.services.interchange.publiccode.vocabulary import DEVELOPMENT_FROM_STATUS, TOPIC_EXPORT

SPEC_VERSION = "0.4.0"
SPDX_ID_RE = re.compile(r"^[A-Za-z0-9.+-]+( (AND|OR|WITH) [A-Za-z0-9.+-]+)*$")
MIN_LONG, MAX_LONG, MAX_SHORT = 150, 10_000, 150
FILLER = ("Diese Beschreibung stammt aus dem Praxisatlas, dem Verzeichnis digitaler Lösungen, "
          "die Kommunen bereits betreiben und zur Nachnutzung beschreiben.")


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks."""


def _str_representer(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def license_expression(text: str | None) -> str:
    """Return an SPDX expression: the licence if it is one, else a LicenseRef."""
    text = (text or "").strip()
    if text and SPDX_ID_RE.match(text):
        return text
    folded = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    ref = re.sub(r"[^A-Za-z0-9.-]+", "-", folded).strip("-.") or "unbekannt"
    return f"LicenseRef-{ref[:60]}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHORT else text[: MAX_SHORT - 1].rsplit(" ", 1)[0] + "…"


def _long(case: UseCase) -> str:
    text = case.description.strip()
    if len(text) < MIN_LONG:
        text = f"{case.summary.strip()}\n\n{text}".strip()
    if len(text) < MIN_LONG:
        text = f"{text}\n\n{FILLER}"
    return text if len(text) <= MAX_LONG else text[: MAX_LONG - 1].rsplit(" ", 1)[0] + "…"


def _categories_and_scopes(case: UseCase) -> tuple[list[str], list[str]]:
    categories, scopes = [], []
    for topic in case.topics:
        category, scope = TOPIC_EXPORT.get(topic.name, ("business-process-management", None))
        categories.append(category)
        if scope:
            scopes.append(scope)
    return list(dict.fromkeys(categories or ["business-process-management"])), list(dict.fromkeys(scopes))


def _maintenance(case: UseCase) -> dict[str, Any]:
    contact = case.contact or {}
    if case.status.value == "eingestellt" or not contact.get("name"):
        return {"type": "none"}
    entry = {"name": contact["name"], "affiliation": case.owner.name}
    for key in ("phone",):  # no e-mail address: questions go through the contact relay
        if contact.get(key):
            entry[key] = contact[key]
    return {"type": "internal", "contacts": [entry]}


def case_document(case: UseCase, landing_url: str | None = None) -> dict[str, Any]:
    """Return the publiccode.yml document of one case (needs ``case.repository``)."""
    categories, scopes = _categories_and_scopes(case)
    features = list(case.tags or []) or [t.name for t in case.topics] or [case.title]
    doc: dict[str, Any] = {"publiccodeYmlVersion": SPEC_VERSION, "name": case.title, "url": case.repository}
    if landing_url:
        doc["landingURL"] = landing_url
    if case.started and len(case.started) == 10:
        doc["releaseDate"] = case.started
    doc.update(platforms=["web"], categories=categories)
    used_by = [a.organisation.name for a in case.user_adoptions]
    if used_by:
        doc["usedBy"] = used_by
    doc.update(developmentStatus=DEVELOPMENT_FROM_STATUS[case.status.value], softwareType="standalone/web")
    doc["intendedAudience"] = {"countries": ["de"], **({"scope": scopes} if scopes else {})}
    if case.owner.uri:
        doc["organisation"] = {"name": case.owner.name, "uri": case.owner.uri}
    doc["description"] = {"de": {
        "localisedName": case.title,
        "shortDescription": _short(case.summary),
        "longDescription": _long(case),
        "features": features,
    }}
    doc["legal"] = {"license": license_expression(case.license), "mainCopyrightOwner": case.owner.name}
    doc["maintenance"] = _maintenance(case)
    doc["localisation"] = {"localisationReady": False, "availableLanguages": ["de"]}
    return doc


def dump(document: dict[str, Any]) -> str:
    """Serialise one document as YAML (UTF-8 text, keys in spec order)."""
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def software_cases(cases: Iterable[UseCase]) -> Iterable[UseCase]:
    return (case for case in cases if case.repository)


def write_documents(cases: Iterable[UseCase], out: TextIO, landing_url=None) -> int:
    """Write one YAML document per software case (``---`` separated); return how many."""
    count = 0
    for case in software_cases(cases):
        document = case_document(case, landing_url(case) if landing_url else None)
        out.write("---\n" + dump(document))
        count += 1
    return count


def write_directory(cases: Iterable[UseCase], folder: Path) -> int:
    """Write ``<slug>.publiccode.yml`` per software case into ``folder``; return how many."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for case in software_cases(cases):
        (folder / f"{case.slug}.publiccode.yml").write_text(dump(case_document(case)), encoding="utf-8")
        count += 1
    return count
