"""Submitting and editing case studies, "Meine Beiträge", the guided submission, municipality type-ahead.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.submission import guided, places_views, template_helpers, views
from kb.views.submission.blueprint import bp

__all__ = ["bp", "guided", "places_views", "template_helpers", "views"]
