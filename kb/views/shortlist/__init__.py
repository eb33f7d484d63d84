"""Merkliste (saved cases, with or without an account) and the compare view (/vergleich).

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.shortlist import store, template_helpers, views
from kb.views.shortlist.blueprint import bp

__all__ = ["bp", "store", "template_helpers", "views"]
