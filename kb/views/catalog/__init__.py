"""The public catalogue: start page, browsing, search, cases, municipalities, info pages.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.catalog import (
    pages,
    region_views,
    search_views,
    statistics_views,
    steckbrief_views,
    template_helpers,
    views,
)
from kb.views.catalog.blueprint import bp

__all__ = ["bp", "pages", "region_views", "search_views", "statistics_views", "steckbrief_views",
           "template_helpers", "views"]
