"""The public JSON API."""

from kb.api import views
from kb.api.blueprint import bp

__all__ = ["bp", "views"]
