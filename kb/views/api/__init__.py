"""The public JSON API.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.api import guards, openapi, views, write
from kb.views.api.blueprint import bp

__all__ = ["bp", "guards", "openapi", "views", "write"]
