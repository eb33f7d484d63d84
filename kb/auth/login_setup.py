"""Flask-Login wiring: how a session finds its user."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from kb.extensions import db, login_manager
from kb.models import Role, User


def has_role(user, role: str) -> bool:
    """Template helper: is ``user`` signed in with at least ``role``?"""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role(role))


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um diese Seite zu sehen.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.jinja_env.globals["has_role"] = has_role

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None
