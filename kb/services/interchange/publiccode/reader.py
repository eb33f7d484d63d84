"""publiccode.yml in and out: one file becomes one import record; software cases export as documents.

Import: :func:`read_records` turns a publiccode.yml (spec 0.2–0.7) into one record of the import
format (docs/import-format.md); validation, upsert by slug and the all-or-nothing write are
those of every import. Export: :func:`write_documents` writes a YAML stream with one
publiccode.yml 0.4.0 document per published case that has a ``repository``.
The mapping is documented in docs/publiccode.md.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from flask import has_app_context
from flask_babel import gettext as _

from kb.services.interchange.problems import ImportProblem, ImportRejected
from kb.services.interchange.publiccode import tolerance
from kb.services.interchange.publiccode.export import case_document, dump, write_directory, write_documents
from kb.services.interchange.publiccode.schema import ParsedFile, SpecError, SpecProblem, load
from kb.services.interchange.publiccode.vocabulary import STATUS_FROM_DEVELOPMENT, topics_for
from kb.services.registry.organisations import organisation_kind
from kb.services.registry.topics import slugify

__all__ = ["case_document", "dump", "read_records", "to_record", "write_directory", "write_documents"]

GERMAN = ("de", "deu", "ger")
ENGLISH = ("en", "eng")
LANGUAGE_NAMES = {"de": "Deutsch", "en": "Englisch", "it": "Italienisch", "nl": "Niederländisch",
                  "fr": "Französisch", "es": "Spanisch", "pl": "Polnisch", "da": "Dänisch"}
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
MAX_SLUG = 120
MAX_TAGS = 30


def read_records(path: Path | str, text: str, *,
                 lenient: bool = False) -> tuple[list[tuple[int, dict]], list[ImportProblem]]:
    """Return the one import record of a publiccode.yml file and its warnings, or refuse the file.

    Strict (the default): every deviation from the spec refuses the file (ImportRejected naming file,
    line and field). Lenient: tolerable deviations become warnings and are repaired
    (``tolerance``); only the others refuse the file.
    """
    name = str(path)
    try:
        parsed = load(text)
    except SpecError as exc:
        raise ImportRejected(_problems(name, exc.problems)) from None
    deviations = tolerance.examine(parsed)
    refused = [d for d in deviations if not lenient or not d.tolerable]
    if refused:
        raise ImportRejected(_problems(name, [d.as_problem() for d in refused]))
    tolerance.repair(parsed, deviations)
    warnings = [ImportProblem(name, d.line, d.field, d.warning) for d in deviations]
    return [(parsed.line("name") or 1, to_record(parsed))], warnings


def _problems(name: str, problems: list[SpecProblem]) -> list[ImportProblem]:
    return [ImportProblem(name, p.line, p.field, _("keine gültige publiccode.yml – %(reason)s", reason=p.message))
            for p in problems]


def to_record(parsed: ParsedFile) -> dict[str, Any]:
    """Map a checked publiccode.yml onto an import record."""
    data = parsed.data
    lang, texts = _description(data["description"])
    owner_name, owner_uri, foreign = _owner(data)
    record: dict[str, Any] = {
        "slug": _slug(data, owner_name),
        "title": " ".join(str(data["name"]).split())[:200],
        "summary": " ".join(texts["shortDescription"].split()),
        "description": _long_text(data, lang, texts),
        **_owner_fields(owner_name, owner_uri, foreign),
        "topics": topics_for(_strings(data.get("categories")),
                             _strings((data.get("intendedAudience") or {}).get("scope"))),
        "status": STATUS_FROM_DEVELOPMENT[data["developmentStatus"]],
        "tags": _tags(data),
        "links": _links(data, texts),
    }
    license_text = (data.get("legal") or {}).get("license")
    if isinstance(license_text, str) and license_text.strip():
        record["license"] = license_text.strip()[:100]
    repository = str(data["url"]).strip()
    if URL_RE.match(repository) and len(repository) <= 500:
        record["repository"] = repository
    adopters = _used_by(data.get("usedBy"))
    if adopters:
        record["adopters"] = adopters
    started = _started(data.get("releaseDate"))
    if started:
        record["started"] = started
    return record


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or [] if isinstance(v, str | int | float) and str(v).strip()]


def _language_rank(lang: str) -> int:
    primary = lang.lower().replace("_", "-").split("-")[0]
    return 0 if primary in GERMAN else 1 if primary in ENGLISH else 2


def _description(description: dict) -> tuple[str, dict[str, Any]]:
    """Pick the German description, else English, else the first; fill gaps from the others."""
    languages = sorted((k for k, v in description.items() if isinstance(v, dict)), key=_language_rank)
    lang = languages[0]
    texts = dict(description[lang])
    for other in languages[1:]:
        for key in ("shortDescription", "longDescription", "features", "documentation", "apiDocumentation"):
            if not texts.get(key) and description[other].get(key):
                texts[key] = description[other][key]
    return lang, texts


def _long_text(data: dict, lang: str, texts: dict) -> str:
    """longDescription, the features as a list and a note where the text comes from."""
    parts = [str(texts.get("longDescription") or texts.get("shortDescription") or "").strip()]
    features = [" ".join(str(f).split()) for f in texts.get("features") or [] if str(f).strip()]
    if features:
        parts.append(_("## Funktionen") + "\n\n" + "\n".join(f"- {f}" for f in features))
    primary = lang.lower().replace("_", "-").split("-")[0]
    language = LANGUAGE_NAMES.get(primary, lang)
    note = _("Übernommen aus der publiccode.yml des Projekts (Sprache der Beschreibung: %(language)s).",
             language=language)
    version = data.get("softwareVersion")
    if version:
        note += " " + _("Version %(version)s", version=str(version).strip()[:40])
        if data.get("releaseDate"):
            note += " " + _("vom %(date)s", date=str(data["releaseDate"]))
        note += "."
    parts.append(f"_{note}_")
    return "\n\n".join(p for p in parts if p)[:50_000]


def _owner(data: dict) -> tuple[str | None, str | None, bool]:
    """Return (name, uri, foreign) of the owner: organisation, copyright or repo owner, IPA code."""
    organisation = data.get("organisation") if isinstance(data.get("organisation"), dict) else {}
    legal = data.get("legal") or {}
    ipa = ((data.get("it") or {}).get("riuso") or {}).get("codiceIPA")
    uri = organisation.get("uri") or data.get("organizationUri")
    uri = uri if isinstance(uri, str) and URL_RE.match(uri) else None
    candidates = [organisation.get("name"), legal.get("mainCopyrightOwner"), legal.get("repoOwner")]
    names = [" ".join(c.split()) for c in candidates if isinstance(c, str) and c.strip()]
    resolved = next((n for n in names if _registry_key(n)), None)
    if resolved or names:
        return resolved or names[0], uri, bool(ipa)
    if ipa:
        return _("Italienische Verwaltung (IPA-Code %(code)s)", code=ipa), uri, True
    return None, uri, False


def _registry_key(name: str) -> str | None:
    """Return the registry key a name resolves to (needs the app), else None."""
    if not has_app_context():
        return None
    from kb.services.registry.gazetteer import get_resolver
    from kb.services.registry.names import NameResolutionError

    try:
        return get_resolver().resolve(name).key
    except NameResolutionError:
        return None


def _owner_fields(name: str | None, uri: str | None, foreign: bool) -> dict[str, Any]:
    if name and (key := _registry_key(name)):
        return {"municipality": key}
    if not name:
        name = _("Unbekannter Herausgeber")
    organisation = {"name": name[:200], "kind": organisation_kind(name, foreign)}
    if uri:
        organisation["uri"] = uri
    return {"organisation": organisation}


def _slug(data: dict, owner_name: str | None) -> str:
    """Slug from the name plus the owner's words not in it; reuse the slug of the same repository."""
    existing = _slug_for_repository(str(data["url"]))
    if existing:
        return existing
    name_words = slugify(str(data["name"])).split("-")
    owner_words = [w for w in slugify(owner_name or "").split("-") if w and w not in name_words]
    slug = "-".join(w for w in [*name_words, *owner_words] if w)
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0]
    return slug or "software-" + slugify(str(data["url"]))[-40:].strip("-")


def repository_variants(url: str) -> list[str]:
    """The spellings of one repository URL (with/without .git and trailing slash)."""
    base = url.strip().rstrip("/")
    base = base[:-4] if base.endswith(".git") else base
    return [base, base + "/", base + ".git"]


def _slug_for_repository(url: str) -> str | None:
    if not has_app_context():
        return None
    from sqlalchemy import select

    from kb.extensions import db
    from kb.models import UseCase

    return db.session.scalar(
        select(UseCase.slug).where(UseCase.repository.in_(repository_variants(url))).order_by(UseCase.id).limit(1)
    )


def _used_by(value: Any) -> list[str]:
    """usedBy as adopter names (duplicates dropped, order kept)."""
    seen: dict[str, str] = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str) and item.strip():
            name = " ".join(item.split())[:200]
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def _tags(data: dict) -> list[str]:
    tags = [c.strip()[:60] for c in _strings(data.get("categories"))]
    return list(dict.fromkeys([*tags, "Open Source"]))[:MAX_TAGS]


def _links(data: dict, texts: dict) -> list[dict[str, str]]:
    candidates = [
        (_("Projektseite"), data.get("landingURL")),
        (_("Quellcode"), data.get("url")),
        (_("Dokumentation"), texts.get("documentation")),
        (_("API-Dokumentation"), texts.get("apiDocumentation")),
        (_("Roadmap"), data.get("roadmap")),
    ]
    links, seen = [], set()
    for title, url in candidates:
        if isinstance(url, str) and URL_RE.match(url.strip()) and len(url) <= 500 and url.strip() not in seen:
            seen.add(url.strip())
            links.append({"title": title, "url": url.strip()})
    return links


def _started(value: Any) -> str | None:
    """The release date as ``started`` when it is a real date that is not in the future."""
    try:
        day = dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return day.isoformat() if day <= dt.date.today() else None
