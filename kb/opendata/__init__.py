"""Open data: the /daten page, full downloads, Atom feeds, API docs and publiccode.yml per case."""

from kb.opendata import feeds, views
from kb.opendata.blueprint import bp

__all__ = ["bp", "feeds", "views"]
