"""Atom feeds of newly published cases: all, per topic, per municipality or Kreis."""

from __future__ import annotations

from flask import Response, abort, g, request
from flask_babel import gettext as _

from kb.extensions import db
from kb.services.catalog import feeds as opendata
from kb.services.catalog import listing as catalog
from kb.services.links import absolute_url, external_url
from kb.views.opendata.atom import FeedInfo, build_feed
from kb.views.opendata.blueprint import bp
from kb.web import ratelimit
from kb.web.caching import public_cache
from kb.web.errors import error_response
from kb.web.http_headers import add_cors

ATOM_TYPE = "application/atom+xml; charset=utf-8"


@bp.get("/feeds/cases.atom")
@public_cache
def cases_feed():
    """Newest published cases; ``?topic=`` and ``?municipality=<AGS|Kreis>`` narrow the feed."""
    return _feed(request.args.get("topic") or None, request.args.get("municipality") or None)


@bp.get("/feeds/municipalities/<key>.atom")
@public_cache
def municipality_feed(key: str):
    """Newest published cases a municipality (or a Kreis and its municipalities) runs."""
    return _feed(request.args.get("topic") or None, key)


def _feed(topic: str | None, municipality: str | None) -> Response:
    try:
        selection = opendata.feed_cases(db.session, topic=topic, municipality=municipality)
    except catalog.FilterError:
        return error_response(404, _("Unbekanntes Thema „%(topic)s“.", topic=topic))
    except opendata.UnknownPlace:
        abort(404)
    info = FeedInfo(
        title=_feed_title(selection),
        subtitle=_("Neu veröffentlichte digitale Lösungen aus Kommunen, neueste zuerst."),
        self_url=absolute_url(request.full_path.rstrip("?")),
        html_url=_html_url(selection),
        feed_id=absolute_url(request.full_path.rstrip("?")),
        author=_("Praxisatlas"),
        rights=_("Inhalte: CC BY 4.0 (Namensnennung: betreibende Stelle und Praxisatlas)"),
        updated=selection.updated,
    )
    body = build_feed(info, selection.cases,
                      lambda case: external_url("catalog.case_detail", slug=case.slug),
                      external_url("catalog.browse"))
    response = Response(body, content_type=ATOM_TYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _feed_title(selection: opendata.FeedSelection) -> str:
    parts = [_("Praxisatlas: neue Lösungen")]
    if selection.place_name:
        parts.append(_("aus %(place)s", place=selection.place_name))
    if selection.topic is not None:
        parts.append(_("zum Thema %(topic)s", topic=selection.topic.name))
    return " ".join(parts)


def _html_url(selection: opendata.FeedSelection) -> str:
    if selection.place_key:
        return external_url("catalog.municipality", key=selection.place_key)
    if selection.topic is not None:
        return external_url("catalog.browse", topic=selection.topic.name)
    return external_url("catalog.browse")


@bp.before_request
def limit_feeds():
    """Feeds and downloads count against the same allowance as the API."""
    if not request.path.startswith(("/feeds/", "/daten/")):
        return None
    verdict = ratelimit.check_request()
    if verdict.allowed:
        g.kb_rate_verdict = verdict
        return None
    response = error_response(429)
    response.headers["Retry-After"] = str(verdict.retry_after)
    return response


@bp.after_request
def open_for_scripts(response: Response) -> Response:
    """Feeds, downloads and publiccode.yml files may be read from any site."""
    if request.path.startswith(("/feeds/", "/daten/")) or request.path.endswith("/publiccode.yml"):
        return add_cors(response)
    return response
