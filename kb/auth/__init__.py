"""Accounts: login, logout, registration, confirmation, passwords."""

from kb.auth import password_views, views
from kb.auth.blueprint import bp

__all__ = ["bp", "password_views", "views"]
