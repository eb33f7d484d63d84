"""Headers for open data: CORS for read access and conditional GET (ETag, Last-Modified)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request

CORS_METHODS = ("GET", "HEAD", "OPTIONS")
EXPOSED = "ETag, Last-Modified, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, Content-Disposition"


def add_cors(response: Response) -> Response:
    """Let any site read the response (no credentials); only for GET, HEAD and preflights."""
    if request.method not in CORS_METHODS:
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    response.headers["Vary"] = ", ".join(sorted(vary | {"Origin"}))
    return response


def conditional(response: Response, last_modified: datetime | None) -> Response:
    """Add a strong ETag and Last-Modified; answer 304 when the client's copy is current."""
    response.add_etag()
    if last_modified is not None:
        if last_modified.tzinfo is None:
            last_modified = last_modified.replace(tzinfo=UTC)
        response.last_modified = last_modified.replace(microsecond=0)
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)
