"""Security headers on every response; ``Cache-Control: no-store`` for private ones."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_login import current_user


def content_security_policy(tile_url: str | None) -> str:
    img_src = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        img_src += f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {img_src}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def init_app(app: Flask) -> None:
    policy = content_security_policy(app.config.get("KB_MAP_TILE_URL"))
    production = app.config["ENV_NAME"] == "production"

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if private_response():
            headers["Cache-Control"] = "no-store"
        return response


def private_response() -> bool:
    """Pages of the account area, and every answer to a signed-in user (static files aside):
    neither the browser nor a proxy may keep them (shared computers, back button after logout).

    Signed in means an account was loaded for the request (only active ones are: login_setup.load_user);
    asking for ``is_anonymous`` rather than ``is_authenticated`` (``active``) reads nothing of the account
    again after a commit expired it."""
    if request.endpoint == "static":
        return False
    return request.blueprint == "auth" or not current_user.is_anonymous
