"""The case record (docs/import-format.md): parsed and validated into a typed CaseRecord, and
written from a case (``case_record``).

The one parser and serializer of case records: the import, the write API, the submission form
and drafts all validate here; the export and stored revisions write here. Every problem names
its field and carries a stable ``ProblemCode`` (kb.services.cases.fields), so callers decide
where and how to show it without reading the (translated) message.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _

from kb.models import (
    Adoption,
    AdoptionStatus,
    CaseStatus,
    Hosting,
    OperatorKind,
    Organisation,
    OrganisationKind,
    UseCase,
)
from kb.services.cases import reuse_facts
from kb.services.cases.fields import (
    MAX_LENGTHS,
    SLUG_RE,
    URL_RE,
    FieldChecker,
    FieldProblem,
    ProblemCode,
)
from kb.services.registry.name_fallbacks import resolve_adopter
from kb.services.registry.names import NameResolutionError, NameResolver, RegistryEntry
from kb.services.registry.organisations import organisation_kind

REQUIRED_KEYS = ("slug", "title", "summary", "description", "topics", "status")
#: what a draft may still leave open (it needs a title and an owner)
OPEN_IN_DRAFT = ("summary", "description", "topics", "status")
OPTIONAL_KEYS = (
    "municipality", "organisation", "state", "adopters", "tags", "contact", "links",
    "license", "repository", "started", "costs", "lessons", "reuse", "published", *reuse_facts.KEYS,
)
ORG_KEYS = ("name", "uri", "kind")
ADOPTER_KEYS = ("municipality", "organisation", "state", "status", "note", "since", "confirmed")


class Mode(Enum):
    """How complete a record must be, and how many problems a check reports."""

    #: the import format: every required key; missing or unknown keys end the check
    IMPORT = "import"
    #: a member's case sent to moderation (form, write API): every problem in one pass
    SUBMISSION = "submission"
    #: a member's unfinished case: a title and an owner, the rest checked where given
    DRAFT = "draft"


@dataclass
class OwnerRef:
    """Who owns a case: a registry entry or a named organisation."""

    entry: RegistryEntry | None = None
    name: str | None = None
    uri: str | None = None
    kind: OrganisationKind = OrganisationKind.SONSTIGE
    land_code: str | None = None
    kreis_key: str | None = None  # a named body's Kreis (an Amt, a Verbands- or Samtgemeinde)


@dataclass
class AdopterRef:
    """One adopter of a case as given in a record."""

    owner: OwnerRef
    status: AdoptionStatus = AdoptionStatus.IN_BETRIEB
    note: str | None = None
    since: str | None = None
    warning: str | None = None
    confirmed: str | None = None  # when the record's source last confirmed the use (YYYY[-MM[-DD]])


@dataclass
class CaseRecord:
    """A validated import record, ready to be written."""

    slug: str
    title: str
    summary: str
    description: str
    owner: OwnerRef
    topics: list[str]
    status: CaseStatus
    adopters: list[AdopterRef] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    contact: dict[str, str] | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    license: str | None = None
    repository: str | None = None
    started: str | None = None
    costs: str | None = None
    lessons: str | None = None
    reuse: str | None = None
    published: datetime | None = None
    reuse_path: list[dict[str, str]] = field(default_factory=list)
    operator_kind: OperatorKind | None = None
    operator_name: str | None = None
    hosting: Hosting | None = None
    costs_once_eur: int | None = None
    costs_yearly_eur: int | None = None
    funding: str | None = None
    effort_person_days: int | None = None
    warnings: list[str] = field(default_factory=list)


def owner_fields(org: Organisation) -> dict[str, Any]:
    """Describe an owner the way the import record expects it."""
    if org.key:
        return {"municipality": org.key}
    data: dict[str, Any] = {"name": org.name}
    if org.uri:
        data["uri"] = org.uri
    if org.kind is not OrganisationKind.SONSTIGE:
        data["kind"] = org.kind.value
    return {"organisation": data}


def adopter_record(adoption: Adoption) -> dict[str, Any]:
    org = adoption.organisation
    item: dict[str, Any] = {"municipality": org.key} if org.key else owner_fields(org)
    item["status"] = adoption.status.value
    if adoption.note:
        item["note"] = adoption.note
    if adoption.since:
        item["since"] = adoption.since
    if adoption.confirmed_at:
        item["confirmed"] = adoption.confirmed_at.date().isoformat()
    return item


def case_record(case: UseCase) -> dict[str, Any]:
    """Return the case as an import record (docs/import-format.md)."""
    record: dict[str, Any] = {
        "slug": case.slug,
        "title": case.title,
        "summary": case.summary,
        "description": case.description,
        **owner_fields(case.owner),
        "topics": [t.name for t in case.topics],
        "status": case.status.value,
    }
    optional = {
        "adopters": [adopter_record(a) for a in case.adoptions],
        "tags": case.tags or None,
        "contact": case.contact or None,
        "links": case.links or None,
        "license": case.license,
        "repository": case.repository,
        "started": case.started,
        "costs": case.costs,
        "lessons": case.lessons,
        "reuse": case.reuse,
        "published": case.published_at.isoformat() if case.published_at else None,
    }
    record.update({k: v for k, v in optional.items() if v})
    record.update(reuse_facts.record_fields(case))
    return record


def _nul_fields(value: Any, path: str = "") -> list[str]:
    """Paths of the strings (and keys) in a record that contain NUL, which no database stores."""
    if isinstance(value, str):
        return [path or "-"] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            found += [name] if "\x00" in str(key) else _nul_fields(item, name)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nul_fields(item, f"{path}[{i}]")]
    return []


class RecordParser:
    """Check records against the registry and the topic vocabulary."""

    def __init__(self, resolver: NameResolver, topic_names: set[str]) -> None:
        self.resolver = resolver
        self.topic_names = topic_names
        self._resolved: dict[tuple, object] = {}

    def _resolve_state(self, state: str) -> tuple[str, str]:
        """``resolver.resolve_state`` remembered per parser."""
        return self._remembered(("\x00land", state), lambda: self.resolver.resolve_state(state))

    def _resolve(self, name: str, state: str | None) -> RegistryEntry:
        """``resolver.resolve`` remembered per parser (a bulk import names the same places often)."""
        if not isinstance(state, str | None):
            return self.resolver.resolve(name, state=state)
        return self._remembered((name, state), lambda: self.resolver.resolve(name, state=state))

    def _remembered(self, key: tuple, resolve):
        """Resolve once per key; a resolution error is remembered and raised again."""
        result = self._resolved.get(key)
        if result is None:
            try:
                result = resolve()
            except NameResolutionError as exc:
                result = exc
            self._resolved[key] = result
        if isinstance(result, NameResolutionError):
            raise result.with_traceback(None)
        return result

    def parse(self, data: Any, *, mode: Mode = Mode.IMPORT) -> tuple[CaseRecord | None, list[FieldProblem]]:
        """Return the record and an empty list, or None and every problem found (see :class:`Mode`)."""
        if not isinstance(data, dict):
            return None, [FieldProblem("-", _("Ein Eintrag muss ein JSON-Objekt sein."), ProblemCode.NOT_OBJECT)]
        problems: list[FieldProblem] = [
            FieldProblem(path, _("Enthält ein unzulässiges Steuerzeichen (NUL, \\u0000)."),
                         ProblemCode.CONTROL_CHARACTER)
            for path in _nul_fields(data)
        ]
        for key in data:
            if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
                problems.append(FieldProblem(key, _("Unbekanntes Feld „%(key)s“.", key=key), ProblemCode.UNKNOWN_KEY))
        missing = {key for key in REQUIRED_KEYS if data.get(key) in (None, "", [])}
        for key in REQUIRED_KEYS:
            if key in missing and not (mode is Mode.DRAFT and key in OPEN_IN_DRAFT):
                problems.append(FieldProblem(key, _("Pflichtfeld fehlt oder ist leer."), ProblemCode.REQUIRED))
        if not data.get("municipality") and not data.get("organisation"):
            problems.append(FieldProblem("municipality", _("Angabe fehlt: „municipality“ oder „organisation“."),
                                         ProblemCode.OWNER_MISSING))
        if problems and mode is Mode.IMPORT:
            return None, problems
        checker = FieldChecker(problems)
        texts = {k: checker.text(data, k, required=k in REQUIRED_KEYS) for k in MAX_LENGTHS}
        slug = texts["slug"] or ""
        if slug and not SLUG_RE.match(slug):
            problems.append(FieldProblem("slug", _(
                "„%(slug)s“ ist kein gültiger Kurzname: nur Kleinbuchstaben a–z, Ziffern und "
                "einzelne Bindestriche.", slug=slug), ProblemCode.INVALID_SLUG))
        status = checker.enum(data, "status", CaseStatus)
        topics = [] if "topics" in missing else self._topics(data.get("topics"), problems)
        owner = self._owner(data, problems)
        adopters = self._adopters(data.get("adopters"), owner, problems)
        record = CaseRecord(
            slug=slug,
            title=texts["title"] or "",
            summary=texts["summary"] or "",
            description=texts["description"] or "",
            owner=owner or OwnerRef(),
            topics=topics,
            status=status or CaseStatus.PLANUNG,  # open only in a draft
            adopters=adopters,
            tags=checker.tags(data.get("tags")),
            contact=checker.contact(data.get("contact")),
            links=checker.links(data.get("links")),
            license=texts["license"],
            repository=checker.url(data, "repository"),
            started=checker.partial_date(data, "started"),
            costs=texts["costs"],
            lessons=texts["lessons"],
            reuse=texts["reuse"],
            published=checker.timestamp(data, "published"),
            warnings=[a.warning for a in adopters if a.warning],
            **reuse_facts.read(checker, data),
        )
        return (None, problems) if problems else (record, [])

    def _topics(self, value: Any, problems: list[FieldProblem]) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            problems.append(FieldProblem("topics", _("Erwartet wird eine Liste von Themennamen."),
                                         ProblemCode.NOT_LIST))
            return []
        unknown = [t for t in value if t.strip() not in self.topic_names]
        if unknown:
            problems.append(FieldProblem("topics", _(
                "Unbekanntes Thema: %(topics)s. Erlaubt sind: %(allowed)s.",
                topics=", ".join(f"„{t}“" for t in unknown),
                allowed=", ".join(sorted(self.topic_names))), ProblemCode.UNKNOWN_TOPIC))
        return list(dict.fromkeys(t.strip() for t in value))

    def _owner(self, data: dict, problems: list[FieldProblem]) -> OwnerRef | None:
        state = data.get("state")
        land_code = None
        if state is not None:
            try:
                land_code, _name = self._resolve_state(str(state))
            except NameResolutionError as exc:
                problems.append(FieldProblem("state", str(exc), ProblemCode.UNKNOWN_PLACE))
                return None
        if data.get("municipality"):
            value = data["municipality"]
            if not isinstance(value, str):
                problems.append(FieldProblem("municipality", _("Erwartet wird ein Text."), ProblemCode.NOT_TEXT))
                return None
            try:
                entry = self._resolve(value, state)
            except NameResolutionError as exc:
                problems.append(FieldProblem("municipality", str(exc), ProblemCode.UNKNOWN_PLACE))
                return None
            return OwnerRef(entry=entry, land_code=entry.land_code)
        if not data.get("organisation"):
            return None  # reported as OWNER_MISSING
        return self._organisation(data["organisation"], "organisation", problems, land_code)

    def _organisation(self, value: Any, where: str, problems: list[FieldProblem],
                      land_code: str | None = None) -> OwnerRef | None:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip():
            problems.append(FieldProblem(where, _("Erwartet wird ein Objekt mit „name“."), ProblemCode.NAME_MISSING))
            return None
        extra = [k for k in value if k not in ORG_KEYS]
        if extra:
            problems.append(FieldProblem(where, _("Unbekanntes Feld „%(key)s“.", key=extra[0]),
                                         ProblemCode.UNKNOWN_KEY))
        uri = value.get("uri")
        if uri is not None and (not isinstance(uri, str) or not URL_RE.match(uri)):
            problems.append(FieldProblem(f"{where}.uri", _("Keine gültige http(s)-Adresse."), ProblemCode.INVALID_URL))
            uri = None
        try:
            kind = OrganisationKind(value.get("kind", "sonstige"))
        except ValueError:
            problems.append(FieldProblem(f"{where}.kind", _(
                "Unbekannte Art „%(kind)s“; erlaubt: %(allowed)s.", kind=value.get("kind"),
                allowed=", ".join(k.value for k in OrganisationKind
                                  if k not in (OrganisationKind.GEMEINDE, OrganisationKind.KREIS))),
                ProblemCode.INVALID_CHOICE))
            return None
        if kind is OrganisationKind.LAND:
            land_name = re.sub(r"^(Land|Freistaat|Freie und Hansestadt|Freie Hansestadt)\s+", "",
                               value["name"].strip())
            with contextlib.suppress(NameResolutionError):
                land_code, _name = self.resolver.resolve_state(land_name)
        return OwnerRef(name=value["name"].strip()[:200], uri=uri, kind=kind, land_code=land_code)

    def _adopters(self, value: Any, owner: OwnerRef | None,
                  problems: list[FieldProblem]) -> list[AdopterRef]:
        if value is None:
            return []
        if not isinstance(value, list):
            problems.append(FieldProblem("adopters", _("Erwartet wird eine Liste."), ProblemCode.NOT_LIST))
            return []
        result: list[AdopterRef] = []
        for index, item in enumerate(value, start=1):
            where = f"adopters[{index}]"
            adopter = self._adopter(item, where, owner, problems)
            if adopter is not None:
                result.append(adopter)
        return result

    def _adopter(self, item: Any, where: str, owner: OwnerRef | None,
                 problems: list[FieldProblem]) -> AdopterRef | None:
        if isinstance(item, str):
            item = {"municipality": item}
        if not isinstance(item, dict):
            problems.append(FieldProblem(where, _("Erwartet wird ein Name oder ein Objekt."), ProblemCode.INVALID_ITEM))
            return None
        extra = [k for k in item if k not in ADOPTER_KEYS]
        if extra:
            problems.append(FieldProblem(where, _("Unbekanntes Feld „%(key)s“.", key=extra[0]),
                                         ProblemCode.UNKNOWN_KEY))
            return None
        checker = FieldChecker(problems, prefix=f"{where}.")
        status = checker.enum(item, "status", AdoptionStatus, default=AdoptionStatus.IN_BETRIEB)
        note = checker.text(item, "note", limit=2000)
        since = checker.partial_date(item, "since")
        confirmed = checker.partial_date(item, "confirmed")
        if "organisation" in item:
            ref = self._organisation(item["organisation"], f"{where}.organisation", problems)
            return AdopterRef(ref, status, note, since, confirmed=confirmed) if ref and status else None
        name = item.get("municipality")
        if not isinstance(name, str) or not name.strip():
            problems.append(FieldProblem(where, _("Angabe fehlt: „municipality“ oder „organisation“."),
                                         ProblemCode.OWNER_MISSING))
            return None
        ref, warning = self._adopter_owner(name, item.get("state"), owner, f"{where}.state", problems)
        return AdopterRef(ref, status, note, since, warning, confirmed) if ref and status else None

    def _adopter_owner(self, name: str, state: Any, owner: OwnerRef | None, where: str,
                       problems: list[FieldProblem]) -> tuple[OwnerRef | None, str | None]:
        """Resolve an adopter (registry.name_fallbacks); an unmatched name is kept as a named organisation."""
        if state is not None:
            try:
                self._resolve_state(str(state))
            except NameResolutionError as exc:
                problems.append(FieldProblem(where, str(exc), ProblemCode.UNKNOWN_PLACE))
                return None, None
        state, owner_land = (str(state) if state else None), (owner.land_code if owner is not None else None)
        match = self._remembered(("\x00adopter", name, state, owner_land),  # a bulk import names the same often
                                 lambda: resolve_adopter(self.resolver, name, state, owner_land, resolve=self._resolve))
        if match.entry is not None:
            return OwnerRef(entry=match.entry, land_code=match.entry.land_code), match.warning
        kind = OrganisationKind.VERBAND if match.is_association else OrganisationKind(organisation_kind(name))
        return OwnerRef(name=(match.name or name).strip()[:200], kind=kind, land_code=match.land_code,
                        kreis_key=match.kreis_key), match.warning
