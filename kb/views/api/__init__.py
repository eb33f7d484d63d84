"""The public JSON API."""

from kb.views.api import guards, openapi, views, write
from kb.views.api.blueprint import bp

__all__ = ["bp", "guards", "openapi", "views", "write"]
