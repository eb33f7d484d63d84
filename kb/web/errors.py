"""Error pages in the site's layout, JSON errors under /api."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from kb.services import unit_of_work

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Ungültige Anfrage"),
    403: _l("Kein Zugriff"),
    404: _l("Seite nicht gefunden"),
    405: _l("Methode nicht erlaubt"),
    409: _l("Gleichzeitige Änderung"),
    413: _l("Anfrage zu groß"),
    429: _l("Zu viele Anfragen"),
    500: _l("Interner Fehler"),
}
MESSAGES = {
    400: _l("Die Anfrage konnte nicht verarbeitet werden."),
    403: _l("Sie haben keine Berechtigung für diese Seite."),
    404: _l("Die angeforderte Seite gibt es nicht (mehr). Vielleicht hilft die Suche weiter."),
    405: _l("Diese Adresse unterstützt die verwendete Methode nicht."),
    413: _l("Die gesendeten Daten sind zu groß. Bitte kürzen Sie Ihre Eingabe oder verkleinern Sie die Datei."),
    429: _l("Sie haben in kurzer Zeit zu viele Anfragen gestellt. Bitte warten Sie einen Moment."),
    500: _l("Auf unserer Seite ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."),
}
CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
         413: "payload_too_large", 429: "too_many_requests", 500: "server_error"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, code: str | None = None):
    """Answer with a JSON error under /api, else with the error page."""
    message = str(message or MESSAGES.get(status, TITLES.get(status, "Fehler")))
    if wants_json():
        body = {"error": {"code": code or CODES.get(status, str(status)), "message": message}}
        return make_response(jsonify(body), status)
    page = render_template("errors/error.html", status=status, title=TITLES.get(status, status),
                           message=message)
    return make_response(page, status)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, _l("Das Formular ist abgelaufen oder ungültig (Sicherheitstoken fehlt). "
                                      "Bitte laden Sie die Seite neu und senden Sie es erneut."),
                              code="csrf_failed")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = exc.description if status not in MESSAGES or _custom(exc) else None
        response = error_response(status, message)
        if getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        if exc.response is not None and "Retry-After" in exc.response.headers:
            response.headers["Retry-After"] = exc.response.headers["Retry-After"]
        return response

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if unit_of_work.is_transient(exc):
            return concurrent_update(exc)
        log.exception("Unbehandelter Fehler bei %s %s", request.method, request.path)
        return error_response(500, code="server_error")

    app.register_error_handler(InternalServerError, lambda exc: error_response(500))

    def concurrent_update(exc: Exception):
        """Someone changed the same data at the same moment: nothing was stored, try again."""
        from kb.extensions import db

        db.session.rollback()
        log.warning("Gleichzeitige Änderung bei %s %s: %s", request.method, request.path, type(exc).__name__)
        message = str(exc) if isinstance(exc, unit_of_work.ConcurrentUpdate) else str(unit_of_work.MESSAGE)
        return error_response(409, message, code="conflict")


def _custom(exc: HTTPException) -> bool:
    """True if the view gave its own description (abort(404, "…"))."""
    return type(exc).description != exc.description
