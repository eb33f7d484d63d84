"""The DCAT-AP.de description of the downloads: ``/daten/dcat.ttl`` (Turtle) and ``/daten/dcat.jsonld``."""

from __future__ import annotations

from flask import Response, current_app
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import ModerationState, UseCase
from kb.services.catalog import feeds as opendata
from kb.services.interchange import changes, dcat
from kb.services.links import external_url
from kb.views.opendata.blueprint import bp
from kb.web.http_headers import conditional


def _absolute(endpoint: str, anchor: str | None = None) -> str:
    """An address of this site, built from KB_BASE_URL (never from the request's Host)."""
    return external_url(endpoint, _anchor=anchor)


def _graph():
    count, _latest = opendata.catalogue_stamp(db.session)
    latest = changes.last_change(db.session)
    issued = db.session.scalar(select(func.min(UseCase.published_at)).where(
        UseCase.moderation == ModerationState.PUBLISHED))
    software = db.session.scalar(select(func.count(UseCase.id)).where(
        UseCase.moderation == ModerationState.PUBLISHED, UseCase.repository.is_not(None))) or 0
    config = current_app.config
    links = dcat.Links(
        base=config["KB_BASE_URL"].rstrip("/"), page=_absolute("opendata.index"),
        jsonl=_absolute("opendata.download_jsonl"), csv=_absolute("opendata.download_csv"),
        publiccode=_absolute("opendata.download_publiccode"), atom=_absolute("opendata.cases_feed"),
        api_docs=_absolute("opendata.api_docs"), cases_api=_absolute("api.list_cases"),
        municipality_api=_absolute("opendata.api_docs", "getMunicipality"))
    facts = dcat.Facts(
        site_name=config["KB_SITE_NAME"], publisher=config.get("KB_DCAT_PUBLISHER") or config["KB_SITE_NAME"],
        case_count=count, software_count=software, updated=latest, issued=issued,
        keywords=[t.name for t in opendata.topics(db.session)],
        contact_email=config.get("KB_DCAT_CONTACT_EMAIL"), contributor_id=config.get("KB_DCAT_CONTRIBUTOR_ID"),
        publisher_uri=config.get("KB_DCAT_PUBLISHER_URI"))
    return dcat.catalogue_graph(links, facts), latest


@bp.get("/daten/dcat.ttl")
def dcat_turtle():
    """The catalogue described in DCAT-AP.de, as Turtle."""
    graph, latest = _graph()
    response = Response(graph.serialize(format="turtle"), content_type="text/turtle; charset=utf-8")
    return conditional(response, latest)


@bp.get("/daten/dcat.jsonld")
def dcat_jsonld():
    """The catalogue described in DCAT-AP.de, as JSON-LD."""
    graph, latest = _graph()
    response = Response(graph.serialize(format="json-ld", indent=2), content_type="application/ld+json; charset=utf-8")
    return conditional(response, latest)
