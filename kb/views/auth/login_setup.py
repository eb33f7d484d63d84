"""Flask-Login wiring: how a session finds its user, and what binds a session to its client."""

from __future__ import annotations

import hmac
from hashlib import sha512

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l

from kb.extensions import db, login_manager
from kb.models import User
from kb.web.caching import signed_in


def load_user(session_id: str) -> User | None:
    """Return the account of ``"<id>:<session version>"`` if it is active and the version is current."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_version, version):
        return None
    return user


def client_identifier() -> str:
    """What strong session protection compares: the client address and the browser.

    Flask-Login's own version reads a raw ``X-Forwarded-For``, which any client can send; this one
    uses ``request.remote_addr``, which is the forwarded address only through ProxyFix
    (``KB_PROXY_HOPS``, kb/web/proxy.py).
    """
    if not signed_in():
        # a visitor's session (a form token, a Merkliste) binds no account: nothing to protect. Flask-Login
        # would clear it on every request and set the cookie anew – no answer could be stored by a proxy
        return session.get("_id")
    base = f"{request.remote_addr}|{request.headers.get('User-Agent')}"
    return sha512(base.encode("utf8")).hexdigest()


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um diese Seite zu sehen.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = client_identifier
    login_manager.user_loader(load_user)
