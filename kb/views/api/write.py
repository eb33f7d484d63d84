"""Write routes for integrations, authenticated with an organisation's API token."""

from __future__ import annotations

from typing import Any

from flask import jsonify, make_response, request
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import AdoptionSource, ApiToken, Organisation
from kb.services.accounts import api_tokens
from kb.services.adoptions import declarations as adoptions
from kb.services.cases import listed_adopters, submissions
from kb.services.cases.fields import FieldProblem, ProblemCode
from kb.services.cases.record import OwnerRef
from kb.services.catalog import listing as catalog
from kb.services.interchange import structured_input
from kb.services.interchange.structured_input import StructureError
from kb.services.links import external_url
from kb.services.registry import organisations
from kb.views.api.blueprint import bp

ADOPTION_KEYS = ("status", "note")


class ApiProblem(Exception):
    """A write request that is answered with a JSON error."""

    def __init__(self, status: int, code: str, message: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.problems = status, code, problems or []


@bp.errorhandler(ApiProblem)
def api_problem(exc: ApiProblem):
    error: dict[str, Any] = {"code": exc.code, "message": str(exc)}
    if exc.problems:
        error["field"] = exc.problems[0].field
        error["problems"] = [{"field": p.field, "code": p.code, "message": p.message} for p in exc.problems]
    response = make_response(jsonify({"error": error}), exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Praxisatlas"'
    return response


def _token() -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _sep, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise ApiProblem(401, "unauthorized", _("API-Token fehlt: „Authorization: Bearer …“ angeben."))
    token = api_tokens.authenticate(db.session, plain.strip())
    if token is None:
        raise ApiProblem(401, "invalid_token", _("Das API-Token ist ungültig oder widerrufen."))
    return token


def _json_object() -> dict[str, Any]:
    if not request.is_json:
        raise ApiProblem(415, "unsupported_media_type", _("Erwartet wird „Content-Type: application/json“."))
    try:
        data = structured_input.load_json(request.get_data(cache=True))
    except StructureError as exc:
        code = "invalid_character" if exc.code == "invalid_character" else "invalid_json"
        raise ApiProblem(400, code, str(exc), [FieldProblem(exc.field, str(exc))]) from None
    except ValueError:
        raise ApiProblem(400, "invalid_json", _("Der Anfragekörper ist kein gültiges JSON.")) from None
    if not isinstance(data, dict):
        raise ApiProblem(422, "validation_failed", _("Erwartet wird ein JSON-Objekt."),
                         [FieldProblem("-", _("Erwartet wird ein JSON-Objekt."), ProblemCode.NOT_OBJECT)])
    return data


def _owner_fields(org: Organisation) -> dict[str, Any]:
    if org.key:
        return {"municipality": org.key}
    return {"organisation": {"name": org.name, **({"uri": org.uri} if org.uri else {})}}


def _is_owner(ref: OwnerRef, org: Organisation) -> bool:
    if ref.entry is not None:
        return ref.entry.key == org.key
    return org.key is None and org.lookup_key == f"name:{organisations.name_key(ref.name or '')}"


@bp.post("/cases")
def submit_case():
    """Submit a case for the token's organisation; it waits for moderation.

    Its ``adopters`` are claims about other organisations: held for the moderation review and
    created (unverified) only where a moderator ticks them when publishing.
    """
    token = _token()
    org = token.organisation
    data = _json_object()
    if not data.get("municipality") and not data.get("organisation"):
        data = {**data, **_owner_fields(org)}
    try:
        record = submissions.parse(db.session, data, draft=False)
    except submissions.SubmissionError as exc:
        raise ApiProblem(422, "validation_failed", exc.problems[0].message, exc.problems) from None
    if not _is_owner(record.owner, org):
        raise ApiProblem(403, "forbidden", _("Das Token gilt nur für Fälle von %(org)s.", org=org.name))
    try:
        submissions.submit_record(db.session, record, author=None, via="api", owner=org)
    except submissions.OwnedByOther:
        raise ApiProblem(403, "forbidden", _(
            "Der Kurzname „%(slug)s“ gehört zu einem Fall einer anderen Organisation.", slug=record.slug)) from None
    except submissions.SubmissionError as exc:
        raise ApiProblem(409, "conflict", exc.problems[0].message, exc.problems) from None
    # the case's slug is the record's (read from the record: the commit expired the case)
    body = {"slug": record.slug, "moderation": "submitted", "adopters_held": len(listed_adopters.held_items(record)),
            "url": external_url("catalog.case_detail", slug=record.slug)}
    return jsonify(body), 202


@bp.post("/cases/<slug>/adoptions")
def declare_adoption(slug: str):
    """Declare that the token's organisation re-uses a published case (unverified)."""
    token = _token()
    case = catalog.get_published(db.session, slug)
    if case is None:
        raise ApiProblem(404, "not_found", _("Kein veröffentlichter Fall mit dem Kurznamen „%(slug)s“.", slug=slug))
    data = _json_object()
    unknown = [key for key in data if key not in ADOPTION_KEYS]
    if unknown:
        problem = FieldProblem(unknown[0], _("Unbekanntes Feld „%(key)s“.", key=unknown[0]), ProblemCode.UNKNOWN_KEY)
        raise ApiProblem(422, "validation_failed", problem.message, [problem])
    if token.organisation_id == case.owner_id:
        raise ApiProblem(409, "conflict", _("Die betreibende Stelle kann ihre eigene Lösung nicht nachnutzen."))
    for key in ADOPTION_KEYS:
        if data.get(key) is not None and not isinstance(data[key], str):
            problem = FieldProblem(key, _("Erwartet wird ein Text."), ProblemCode.NOT_TEXT)
            raise ApiProblem(422, "validation_failed", problem.message, [problem])
    try:
        adoption = adoptions.declare(db.session, case=case, organisation=token.organisation,
                                     status=data.get("status") or "in_betrieb", note=data.get("note"),
                                     actor=None, source=AdoptionSource.API, verified=False)
    except adoptions.AdoptionError as exc:
        problem = FieldProblem(exc.field, str(exc))
        raise ApiProblem(422, "validation_failed", str(exc), [problem]) from None
    org = adoption.organisation
    return jsonify({"case": case.slug, "organisation": org.name, "key": org.key, "status": adoption.status.value,
                    "verified": adoption.verified, "note": adoption.note}), 201
