"""Template filters, globals and helpers shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from markupsafe import Markup

from kb.models import labels
from kb.services.registry.gazetteer import ATTRIBUTION
from kb.web import i18n, page_parts
from kb.web.rendering import render_markdown
from kb.web.sanitize import clean_highlight
from kb.web.usage_words import usage_words


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=render_markdown,
        highlight=lambda s: Markup(clean_highlight(s)),  # noqa: S704 - only <mark> survives
        date=_date,
        datetime=_datetime,
        number=_number,
        month=_month,
        partial_date=_partial_date,
        case_status=lambda v: i18n.label(labels.CASE_STATUS, v),
        adoption_status=lambda v: i18n.label(labels.ADOPTION_STATUS, v),
        adoption_source=lambda v: i18n.label(labels.ADOPTION_SOURCE, v),
        moderation_state=lambda v: i18n.label(labels.MODERATION_STATE, v),
        organisation_kind=lambda v: i18n.label(labels.ORGANISATION_KIND, v),
        role_label=lambda v: i18n.label(labels.ROLE, v),
        revision_state=lambda v: i18n.label(labels.REVISION_STATE, v),
        audit_action=lambda v: i18n.label(labels.AUDIT_ACTION, v),
        proposal_state=lambda v: i18n.label(labels.PROPOSAL_STATE, v),
        proposal_kind=lambda v: i18n.label(labels.PROPOSAL_KIND, v),
        harvest_outcome=lambda v: i18n.label(labels.HARVEST_OUTCOME, v),
        topic_label=lambda v: i18n.label(labels.TOPIC_NAME, v),
        topic_description=lambda v: i18n.label(labels.TOPIC_DESCRIPTION, v),
    )
    app.jinja_env.globals.update(
        gettext=i18n.template_gettext,  # after i18n.init_app: replaces Jinja's newstyle gettext
        _=i18n.template_gettext,
        url_with=url_with,
        url_without=url_without,
        current_locale=lambda: str(get_locale() or "de"),
        destatis_attribution=ATTRIBUTION,
        case_statuses=labels.CASE_STATUS,
        adoption_statuses=labels.ADOPTION_STATUS,
        usage_words=usage_words,
        site_header=page_parts.site_header,
        site_footer=page_parts.site_footer,
    )
    page_parts.init_app(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _date(value: datetime | None, fmt: str = "medium") -> str:
    return format_date(value, fmt) if value else ""


def _datetime(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


def _number(value) -> str:
    if type(value) is int and 0 <= value < 1000:  # noqa: E721 – no grouping below 1,000 in German or English
        return str(value)  # the counts of a page (facets, hits) – Babel's formatting costs 20 µs each
    return format_decimal(value) if value is not None else ""


def _month(value: str | None) -> str:
    """"2026-03" → "März 2026" / "March 2026"; anything else unchanged."""
    try:
        year, month = (int(part) for part in str(value).split("-"))
        return format_date(date(year, month, 1), "LLLL yyyy")
    except (TypeError, ValueError):
        return value or ""


def _partial_date(value: str | None) -> str:
    """A stored JJJJ / JJJJ-MM / JJJJ-MM-TT date in the visitor's locale; the year stays as it is."""
    text = (value or "").strip()
    if len(text) == 7:
        return _month(text)
    if len(text) == 10:
        try:
            return format_date(date.fromisoformat(text), "long")
        except ValueError:
            return text
    return text


def _args() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True)]


def url_with(**changes) -> str:
    """Return the current URL with query parameters set (None removes); page resets unless given."""
    args = [(k, v) for k, v in _args() if k not in changes and k != "page"]
    for key, value in changes.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        args.extend((key, str(v)) for v in values)
    query = urlencode(args)
    return f"{request.path}?{query}" if query else request.path


def url_without(key: str, value: str | None = None) -> str:
    """Return the current URL without one filter value (or the whole parameter)."""
    args = [(k, v) for k, v in _args() if k != "page" and not (k == key and (value is None or v == value))]
    query = urlencode(args)
    return f"{request.path}?{query}" if query else request.path
