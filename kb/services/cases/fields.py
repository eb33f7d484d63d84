"""The fields of a case record: formats and limits, what can be wrong with one (a stable
:class:`ProblemCode` per problem), and typed readers that note problems instead of raising."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

MAX_LENGTHS = {"slug": 120, "title": 200, "summary": 600, "description": 50_000,
               "license": 100, "costs": 2_000, "lessons": 20_000, "reuse": 20_000}
CONTACT_KEYS = ("name", "role", "email", "phone", "url")


class ProblemCode(StrEnum):
    """What is wrong with a field, independent of the language of the message."""

    INVALID = "invalid"
    REQUIRED = "required"
    OWNER_MISSING = "owner_missing"
    UNKNOWN_KEY = "unknown_key"
    NOT_OBJECT = "not_object"
    CONTROL_CHARACTER = "control_character"
    INVALID_SLUG = "invalid_slug"
    NOT_TEXT = "not_text"
    TOO_LONG = "too_long"
    NOT_LIST = "not_list"
    TOO_MANY = "too_many"
    UNKNOWN_TOPIC = "unknown_topic"
    INVALID_CHOICE = "invalid_choice"
    UNKNOWN_PLACE = "unknown_place"
    NAME_MISSING = "name_missing"
    INVALID_ITEM = "invalid_item"
    INVALID_URL = "invalid_url"
    INVALID_EMAIL = "invalid_email"
    INVALID_DATE = "invalid_date"
    NOT_WHOLE_NUMBER = "not_whole_number"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"
    DUPLICATE = "duplicate"
    # the case as a whole (field "-")
    NOTHING_TO_SUBMIT = "nothing_to_submit"
    NOT_PUBLISHED = "not_published"
    ALREADY_PUBLISHED = "already_published"
    UNCHANGED = "unchanged"


@dataclass
class FieldProblem:
    """One problem with one field of a record (``field`` "-": the record as a whole)."""

    field: str
    message: str
    code: ProblemCode = ProblemCode.INVALID


class FieldChecker:
    """Small typed readers that record problems instead of raising."""

    def __init__(self, problems: list[FieldProblem], prefix: str = "") -> None:
        self.problems = problems
        self.prefix = prefix

    def fail(self, key: str, code: ProblemCode, message: str) -> None:
        self.problems.append(FieldProblem(self.prefix + key, message, code))

    def text(self, data: dict, key: str, required: bool = False, limit: int | None = None) -> str | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.fail(key, ProblemCode.NOT_TEXT, _("Erwartet wird ein Text."))
            return None
        value = value.strip()
        limit = limit or MAX_LENGTHS.get(key)
        if limit and len(value) > limit:
            self.fail(key, ProblemCode.TOO_LONG,
                      _("Zu lang: %(n)d Zeichen, höchstens %(limit)d erlaubt.", n=len(value), limit=limit))
        if required and not value:
            self.fail(key, ProblemCode.REQUIRED, _("Pflichtfeld fehlt oder ist leer."))
        return value or None

    def enum(self, data: dict, key: str, enum_cls, default=None):
        value = data.get(key)
        if value is None:
            return default
        try:
            return enum_cls(value)
        except ValueError:
            self.fail(key, ProblemCode.INVALID_CHOICE, _("Ungültiger Wert „%(value)s“; erlaubt: %(allowed)s.",
                                                          value=value, allowed=", ".join(m.value for m in enum_cls)))
            return None

    def partial_date(self, data: dict, key: str) -> str | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        value = str(value)
        if not PARTIAL_DATE_RE.match(value):
            self.fail(key, ProblemCode.INVALID_DATE,
                      _("Erwartet wird JJJJ, JJJJ-MM oder JJJJ-MM-TT, nicht „%(value)s“.", value=value))
            return None
        return value

    def timestamp(self, data: dict, key: str) -> datetime | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = datetime.combine(date.fromisoformat(str(value)), datetime.min.time())
            except ValueError:
                self.fail(key, ProblemCode.INVALID_DATE,
                          _("Erwartet wird ein Datum nach ISO 8601, nicht „%(value)s“.", value=value))
                return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def url(self, data: dict, key: str) -> str | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not URL_RE.match(value.strip()) or len(value) > 500:
            self.fail(key, ProblemCode.INVALID_URL, _("Keine gültige http(s)-Adresse."))
            return None
        return value.strip()

    def tags(self, value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            self.fail("tags", ProblemCode.NOT_LIST, _("Erwartet wird eine Liste von Schlagwörtern."))
            return []
        tags = list(dict.fromkeys(t.strip() for t in value if t.strip()))
        if len(tags) > 30:
            self.fail("tags", ProblemCode.TOO_MANY, _("Höchstens 30 Schlagwörter."))
        for tag in tags:
            if len(tag) > 60:
                self.fail("tags", ProblemCode.TOO_LONG,
                          _("Schlagwort zu lang (höchstens 60 Zeichen): „%(tag)s“.", tag=tag[:60]))
        return tags

    def contact(self, value: Any) -> dict[str, str] | None:
        if value in (None, {}):
            return None
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            self.fail("contact", ProblemCode.NAME_MISSING, _("Erwartet wird ein Objekt mit „name“."))
            return None
        contact: dict[str, str] = {}
        for key, item in value.items():
            if key not in CONTACT_KEYS:
                self.fail(f"contact.{key}", ProblemCode.UNKNOWN_KEY, _("Unbekanntes Feld „%(key)s“.", key=key))
            elif not isinstance(item, str) or len(item) > 300:
                self.fail(f"contact.{key}", ProblemCode.NOT_TEXT, _("Erwartet wird ein Text (höchstens 300 Zeichen)."))
            elif item.strip():
                contact[key] = item.strip()
        if "email" in contact and not EMAIL_RE.match(contact["email"]):
            self.fail("contact.email", ProblemCode.INVALID_EMAIL, _("Keine gültige E-Mail-Adresse."))
        if "url" in contact and not URL_RE.match(contact["url"]):
            self.fail("contact.url", ProblemCode.INVALID_URL, _("Keine gültige http(s)-Adresse."))
        return contact or None

    def links(self, value: Any) -> list[dict[str, str]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail("links", ProblemCode.NOT_LIST, _("Erwartet wird eine Liste von Links."))
            return []
        links = []
        for index, item in enumerate(value, start=1):
            if isinstance(item, str):
                item = {"title": item, "url": item}
            if not isinstance(item, dict) or set(item) - {"title", "url"}:
                self.fail(f"links[{index}]", ProblemCode.INVALID_ITEM, _("Erwartet wird {\"title\": …, \"url\": …}."))
                continue
            url, title = item.get("url"), item.get("title") or item.get("url")
            if not isinstance(url, str) or not URL_RE.match(url.strip()) or len(url) > 500:
                self.fail(f"links[{index}].url", ProblemCode.INVALID_URL, _("Keine gültige http(s)-Adresse."))
                continue
            if not isinstance(title, str) or len(title) > 200:
                self.fail(f"links[{index}].title", ProblemCode.NOT_TEXT,
                          _("Erwartet wird ein Text (höchstens 200 Zeichen)."))
                continue
            links.append({"title": title.strip(), "url": url.strip()})
        return links

    def whole_number(self, data: dict, key: str, maximum: int, unit: str, example: int) -> int | None:
        """A whole number from 0 to ``maximum`` (costs, effort); anything else is a problem."""
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, ProblemCode.NOT_WHOLE_NUMBER, _(
                "Erwartet wird eine ganze Zahl (%(unit)s), zum Beispiel %(example)d.", unit=unit, example=example))
            return None
        if value < 0:
            self.fail(key, ProblemCode.NEGATIVE, _("Darf nicht negativ sein."))
            return None
        if value > maximum:
            self.fail(key, ProblemCode.TOO_LARGE, _("Unplausibel hoch: höchstens %(max)s %(unit)s.",
                                                    max=f"{maximum:,}".replace(",", "."), unit=unit))
            return None
        return value
