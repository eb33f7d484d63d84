"""Accept requests only for the public host name (``KB_BASE_URL``), issue 19 item 1.

Links in mails, feeds, exports and the OpenAPI description come from ``KB_BASE_URL`` (see
kb/services/links.py), never from the request. On top of that, Flask's ``TRUSTED_HOSTS`` holds
the host of ``KB_BASE_URL`` and the names in ``KB_TRUSTED_HOSTS``; outside production also
``localhost`` and ``127.0.0.1``. Any other ``Host`` (or, behind the proxy, ``X-Forwarded-Host``)
is answered with 400 before a view runs. ``/healthz`` is the one exception: load balancers probe
it by address, and it builds no links.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import SecurityError

LOCAL_HOSTS = ("localhost", "127.0.0.1")
HEALTH_PATHS = ("/healthz",)
MESSAGE = _l("Diese Installation ist nur unter ihrer öffentlichen Adresse erreichbar; "
             "die angefragte Host-Adresse gehört nicht dazu.")


def init_app(app: Flask) -> None:
    base_url = app.config.get("KB_BASE_URL")
    if not base_url:
        raise RuntimeError(
            "KB_BASE_URL ist nicht gesetzt. Im Produktionsbetrieb (KB_ENV=production) muss die öffentliche "
            "Adresse gesetzt sein, z. B. KB_BASE_URL=https://praxisatlas.example.de: Links in E-Mails, Feeds, "
            "Exporten und der API-Beschreibung werden daraus gebaut, und nur Anfragen an diesen Host werden "
            "angenommen.")
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.wsgi_app = HealthCheckHost(app.wsgi_app, urlsplit(app.config["KB_BASE_URL"]).netloc)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)


def trusted_hosts(config) -> list[str]:
    """The host of KB_BASE_URL, then KB_TRUSTED_HOSTS, then (outside production) the local names."""
    hosts = [urlsplit(config["KB_BASE_URL"]).hostname, *config.get("KB_TRUSTED_HOSTS", ())]
    if config["ENV_NAME"] != "production":
        hosts += LOCAL_HOSTS
    return list(dict.fromkeys(host.lower() for host in hosts if host))


def refuse_untrusted_host():
    """Answer 400 (page or JSON) when Flask found the Host untrusted; runs before every other hook."""
    if not isinstance(request.routing_exception, SecurityError):
        return None
    from flask import current_app

    from kb.web.errors import error_response

    netloc = urlsplit(current_app.config["KB_BASE_URL"]).netloc
    request_ctx.url_adapter = current_app.url_map.bind(  # the error page's own links, on the public host
        netloc, script_name=request.script_root or "/", url_scheme=request.scheme)
    return error_response(400, str(MESSAGE), code="untrusted_host")


class HealthCheckHost:
    """WSGI middleware: requests for /healthz count as addressed to the public host."""

    def __init__(self, wsgi_app, netloc: str) -> None:
        self.wsgi_app = wsgi_app
        self.netloc = netloc

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in HEALTH_PATHS:
            environ["HTTP_HOST"] = self.netloc
        return self.wsgi_app(environ, start_response)
