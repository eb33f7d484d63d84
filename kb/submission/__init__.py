"""Submitting and editing case studies, "Meine Beiträge", municipality type-ahead."""

from kb.submission import places_views, views
from kb.submission.blueprint import bp

__all__ = ["bp", "places_views", "views"]
