"""Accounts: login, logout, registration, confirmation, passwords.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.auth import password_views, template_helpers, views
from kb.views.auth.blueprint import bp

__all__ = ["bp", "password_views", "template_helpers", "views"]
