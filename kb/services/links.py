"""Absolute links for mails, feeds, exports and the OpenAPI description: always from KB_BASE_URL.

Never from the request: its Host header is chosen by the client (issue 19, item 1).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def base_url() -> str:
    """The public address of this installation, without a trailing slash."""
    return current_app.config["KB_BASE_URL"].rstrip("/")


def _adapter() -> MapAdapter:
    parts = urlsplit(base_url())
    return current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)


def external_url(endpoint: str, /, **values) -> str:
    """Return the absolute URL of ``endpoint`` on the public address (``_anchor`` as in url_for)."""
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = _adapter().build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url


def absolute_url(path: str) -> str:
    """Return ``path`` (starting with /, as request.full_path gives it) on the public address."""
    return base_url() + "/" + path.lstrip("/")
