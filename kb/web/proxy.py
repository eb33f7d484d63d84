"""Trust ``X-Forwarded-*`` from the reverse proxy in front (``KB_PROXY_HOPS`` proxies, default none).

Behind nginx set ``KB_PROXY_HOPS=1``: then ``request.remote_addr`` is the client (rate limits,
login lock-outs, Flask-Login's session protection, logs) and the scheme and host are the ones the
client used. The host must still be a trusted one (kb/web/hosts.py). Only ``X-Forwarded-For``,
``-Proto`` and ``-Host`` are read; ``-Port`` and ``-Prefix`` are not, because the documented nginx
passes them through from the client unchanged. Never set it without a proxy that overwrites these
headers: clients could forge them.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("KB_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=0, x_prefix=0)
