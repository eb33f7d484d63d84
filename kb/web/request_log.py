"""Structured request logs: one JSON line per request on the ``kb.access`` logger.

Fields: ``ts`` (UTC), ``event``, ``method``, ``path``, ``route``, ``status``, ``ms``, ``bytes``,
``remote`` and, if the proxy sends one, ``request_id``. Privacy by default: no query string
(search terms), secret path parts (confirmation and password-reset tokens) are masked, and the
client address is shortened to its network (IPv4 /24, IPv6 /48) unless ``KB_LOG_FULL_IP`` is
set — enough to spot abuse, not enough to identify a person.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from datetime import UTC, datetime
from functools import lru_cache

from flask import Flask, g, request

access_log = logging.getLogger("kb.access")
SECRET_ARGS = ("token",)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def init_app(app: Flask) -> None:
    if not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    full_ip = bool(app.config.get("KB_LOG_FULL_IP"))

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        if started is not None and not request.path.startswith("/static/"):
            access_log.info(json.dumps(request_record(response, started, full_ip), ensure_ascii=False))
        return response


def request_record(response, started: float, full_ip: bool = False) -> dict:
    """The log record of the current request."""
    record = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": "request",
        "method": request.method,
        "path": masked_path(),
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "bytes": response.calculate_content_length(),
        "remote": request.remote_addr if full_ip else shortened_address(request.remote_addr),
    }
    request_id = request.headers.get("X-Request-ID", "")
    if _REQUEST_ID.match(request_id):
        record["request_id"] = request_id
    return record


def masked_path() -> str:
    """The request path with secret URL parts (tokens) replaced by ``***``."""
    path = request.path
    for name in SECRET_ARGS:
        value = (request.view_args or {}).get(name)
        if value:
            path = path.replace(str(value), "***")
    return path


@lru_cache(maxsize=4096)  # the same clients come again; parsing an address costs more than the rest of the line
def shortened_address(address: str | None) -> str | None:
    """The client's network instead of its address: 192.0.2.17 → 192.0.2.0/24."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
