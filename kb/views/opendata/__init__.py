"""Open data: the /daten page, full downloads, Atom feeds, API docs and publiccode.yml per case."""

from kb.views.opendata import feeds, views
from kb.views.opendata.blueprint import bp

__all__ = ["bp", "feeds", "views"]
