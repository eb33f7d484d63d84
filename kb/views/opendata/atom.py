"""Build Atom 1.0 feeds (RFC 4287) with ElementTree, so every text is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - we only build XML, never parse untrusted input
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kb.models import UseCase
from kb.web.usage_words import usage_words

ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 forbids even when escaped (control characters except tab, LF, CR).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class FeedInfo:
    """What describes the feed itself."""

    title: str
    subtitle: str
    self_url: str
    html_url: str
    feed_id: str
    author: str
    rights: str
    updated: datetime | None


def clean(text: str | None) -> str:
    """Drop characters that XML 1.0 cannot carry at all."""
    return _INVALID_XML.sub("", text or "")


def stamp(value: datetime | None) -> str:
    """RFC 3339 timestamp in UTC."""
    value = value or datetime.now(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def build_feed(info: FeedInfo, cases: list[UseCase], case_url: Callable[[UseCase], str],
               category_scheme: str) -> bytes:
    """Return the feed document as UTF-8 bytes."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "de"})
    _add(feed, "id", info.feed_id)
    _add(feed, "title", info.title)
    _add(feed, "subtitle", info.subtitle)
    _add(feed, "updated", stamp(info.updated))
    _add(feed, "link", rel="self", type="application/atom+xml", href=info.self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=info.html_url)
    author = _add(feed, "author")
    _add(author, "name", info.author)
    _add(feed, "rights", info.rights)
    _add(feed, "generator", "Praxisatlas")
    for case in cases:
        _entry(feed, case, case_url(case), category_scheme)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ET.Element, case: UseCase, url: str, category_scheme: str) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", url)
    _add(entry, "title", case.title)
    _add(entry, "link", rel="alternate", type="text/html", href=url)
    _add(entry, "published", stamp(case.published_at))
    _add(entry, "updated", stamp(max(filter(None, (case.updated_at, case.published_at)), default=None)))
    author = _add(entry, "author")
    _add(author, "name", case.owner.name)
    for topic in case.topics:
        _add(entry, "category", term=topic.slug, label=topic.name, scheme=category_scheme)
    summary = case.summary
    if case.owner.land is not None and case.owner.land.name != case.owner.name:
        summary = f"{case.owner.name} ({case.owner.land.name}): {summary}"
    _add(entry, "summary", f"{summary} – {usage_words(case.usage)}", type="text")


@dataclass
class UpdateEntry:
    """One entry of the update feed: what happened, to what, where to read more."""

    entry_id: str
    title: str
    summary: str
    url: str
    updated: datetime
    author: str
    categories: list[tuple[str, str]]  # (term, label)


def build_update_feed(info: FeedInfo, entries: list[UpdateEntry], category_scheme: str) -> bytes:
    """Return a feed of updates (not only new cases) as UTF-8 bytes."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "de"})
    for tag, text in (("id", info.feed_id), ("title", info.title), ("subtitle", info.subtitle),
                      ("updated", stamp(info.updated))):
        _add(feed, tag, text)
    _add(feed, "link", rel="self", type="application/atom+xml", href=info.self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=info.html_url)
    _add(_add(feed, "author"), "name", info.author)
    _add(feed, "rights", info.rights)
    _add(feed, "generator", "Praxisatlas")
    for item in entries:
        entry = _add(feed, "entry")
        _add(entry, "id", item.entry_id)
        _add(entry, "title", item.title)
        _add(entry, "link", rel="alternate", type="text/html", href=item.url)
        _add(entry, "updated", stamp(item.updated))
        _add(_add(entry, "author"), "name", item.author)
        for term, label in item.categories:
            _add(entry, "category", term=term, label=label, scheme=category_scheme)
        _add(entry, "summary", item.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
