"""How complete a case description is: the meter of the guided submission and the moderators'
checklist both read it.

Each item says whether it is done, which step of the guided form asks for it and whether it
is required to submit (a draft may always be saved). Contact and "Was Sie zur Nachnutzung
brauchen" are required to submit in the guided form; the rest makes a description useful.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

#: headings the description starts with in the guided form
DESCRIPTION_HEADINGS = ("Ausgangslage", "Lösung", "Ergebnisse")
MIN_SECTION_WORDS = 3


@dataclass
class Item:
    """One thing a good description has."""

    key: str
    label: str
    done: bool
    step: str
    required: bool = False
    hint: str = ""  # why a half-given item does not count yet ("" when nothing of it is given)


@dataclass
class Completeness:
    items: list[Item]

    @property
    def done(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def missing(self) -> list[Item]:
        return [item for item in self.items if not item.done]

    @property
    def missing_required(self) -> list[Item]:
        return [item for item in self.items if item.required and not item.done]

    @property
    def can_submit(self) -> bool:
        return not self.missing_required


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def described_sections(description: str) -> int:
    """How many of the three headings carry some text of their own."""
    found = 0
    for index, heading in enumerate(DESCRIPTION_HEADINGS):
        match = re.search(rf"^#+\s*{heading}\s*$", description, re.MULTILINE)
        if match is None:
            continue
        rest = description[match.end():]
        following = [h for h in DESCRIPTION_HEADINGS[index + 1:]]
        end = min((m.start() for h in following if (m := re.search(rf"^#+\s*{h}\s*$", rest, re.MULTILINE))),
                  default=len(rest))
        if len(rest[:end].split()) >= MIN_SECTION_WORDS:
            found += 1
    return found


def has_description(description: str) -> bool:
    """A real description: text under the three headings, or a free text of some length."""
    if any(re.search(rf"^#+\s*{h}\s*$", description, re.MULTILINE) for h in DESCRIPTION_HEADINGS):
        return described_sections(description) == len(DESCRIPTION_HEADINGS)
    return len(description.split()) >= 3 * MIN_SECTION_WORDS


def has_contact(data: dict[str, Any]) -> bool:
    """A named contact that can be reached (address, phone or web page)."""
    contact = data.get("contact") or {}
    return bool(contact.get("name")) and any(contact.get(key) for key in ("email", "phone", "url"))


def contact_hint(data: dict[str, Any]) -> str:
    """What a half-given contact still lacks: the name, or a way to reach it."""
    contact = data.get("contact") or {}
    named, reachable = bool(contact.get("name")), any(contact.get(key) for key in ("email", "phone", "url"))
    if named and not reachable:
        return str(_l("Zum Namen gehört eine E-Mail-Adresse, eine Telefonnummer oder eine Webseite."))
    if reachable and not named:
        return str(_l("Es fehlt der Name der Stelle (Amt, Team, Funktionspostfach)."))
    return ""


def check(data: dict[str, Any]) -> Completeness:
    """Rate record data (as the case form or a revision holds it)."""
    owner = bool(data.get("municipality") or (data.get("organisation") or {}).get("name"))
    items = [
        Item("title", str(_l("Titel")), bool(_text(data, "title")), "worum"),
        Item("summary", str(_l("Kurzbeschreibung")), bool(_text(data, "summary")), "worum"),
        Item("description", str(_l("Beschreibung mit Ausgangslage, Lösung und Ergebnissen")),
             has_description(_text(data, "description")), "worum"),
        Item("topics", str(_l("Thema")), bool(data.get("topics")), "worum"),
        Item("owner", str(_l("Wer die Lösung betreibt")), owner, "betrieb"),
        Item("started", str(_l("Seit wann sie läuft")), bool(_text(data, "started")), "betrieb"),
        Item("reuse", str(_l("Was Sie zur Nachnutzung brauchen")), bool(_text(data, "reuse")), "nachnutzung",
             required=True),
        Item("costs", str(_l("Kosten")), bool(_text(data, "costs")), "nachnutzung"),
        Item("license", str(_l("Lizenz")), bool(_text(data, "license")), "nachnutzung"),
        Item("contact", str(_l("Kontakt für Nachfragen")), has_contact(data), "kontakt", required=True,
             hint=contact_hint(data)),
    ]
    return Completeness(items)
