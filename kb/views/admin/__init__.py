"""Administration: accounts (roles, verified memberships, deactivation) and the audit log.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.admin import views
from kb.views.admin.blueprint import bp

__all__ = ["bp", "views"]
