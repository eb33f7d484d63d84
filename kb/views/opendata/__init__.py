"""Open data: the /daten page, full downloads, Atom feeds, API docs and publiccode.yml per case.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.opendata import dcat_views, feeds, updates_feed, views
from kb.views.opendata.blueprint import bp

__all__ = ["bp", "dcat_views", "feeds", "updates_feed", "views"]
