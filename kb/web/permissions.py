"""Who may do what: role checks shared by every blueprint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from kb.models import Role, User


def current_actor() -> User | None:
    """Return the signed-in user, or None for anonymous visitors."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def role_required(role: Role) -> Callable:
    """Allow the view only for signed-in users with at least ``role`` (others: login or 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from kb.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
