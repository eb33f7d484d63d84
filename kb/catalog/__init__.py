"""The public catalogue: start page, browsing, search, cases, municipalities, info pages."""

from kb.catalog import pages, search_views, views
from kb.catalog.blueprint import bp

__all__ = ["bp", "pages", "search_views", "views"]
