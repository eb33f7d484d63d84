"""Trust ``X-Forwarded-*`` from the reverse proxy in front (``KB_PROXY_HOPS`` proxies, default none).

Behind nginx set ``KB_PROXY_HOPS=1``: then ``request.remote_addr`` is the client (rate limits,
login lock-outs, logs), ``url_for(..., _external=True)`` uses https and the public host name.
Never set it without a proxy that overwrites these headers: clients could forge them.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("KB_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
