"""Administration: accounts (roles, verified memberships, deactivation) and the audit log."""

from kb.views.admin import views
from kb.views.admin.blueprint import bp

__all__ = ["bp", "views"]
