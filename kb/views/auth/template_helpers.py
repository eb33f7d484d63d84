"""Template helpers of accounts, registered for every page."""

from __future__ import annotations

from kb.models import Role
from kb.views.auth.blueprint import bp


@bp.app_template_global()
def has_role(user, role: str) -> bool:
    """Template helper: is ``user`` signed in with at least ``role``?"""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role(role))
