"""Administration: accounts (roles, verified memberships, deactivation) and the audit log."""

from kb.admin import views
from kb.admin.blueprint import bp

__all__ = ["bp", "views"]
