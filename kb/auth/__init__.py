"""Accounts: login, logout, registration."""

from kb.auth import views
from kb.auth.blueprint import bp

__all__ = ["bp", "views"]
