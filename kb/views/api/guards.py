"""Rate limit and CORS for every API request."""

from __future__ import annotations

from flask import Response, g
from flask_babel import gettext as _

from kb.views.api.blueprint import bp
from kb.web import ratelimit
from kb.web.errors import error_response
from kb.web.http_headers import add_cors


@bp.before_request
def limit_rate():
    """Refuse the request with 429 once the client used up its allowance."""
    verdict = ratelimit.check_request()
    g.kb_rate_verdict = verdict
    if not verdict.allowed:
        response = error_response(429, _(
            "Zu viele Anfragen: höchstens %(limit)d je Zeitfenster. Bitte in %(seconds)d Sekunden erneut versuchen.",
            limit=verdict.limit, seconds=verdict.retry_after), code="too_many_requests")
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response
    return None


@bp.after_request
def add_headers(response: Response) -> Response:
    verdict = g.get("kb_rate_verdict")
    if verdict is not None:
        response.headers["X-RateLimit-Limit"] = str(verdict.limit)
        response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
    return add_cors(response)
