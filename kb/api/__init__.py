"""The public JSON API."""

from kb.api import guards, openapi, views, write
from kb.api.blueprint import bp

__all__ = ["bp", "guards", "openapi", "views", "write"]
