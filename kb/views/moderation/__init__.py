"""Moderation: the queue, decisions, revision history and diffs, held adoption proposals.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.moderation import history_views, proposal_views, template_helpers, views
from kb.views.moderation.blueprint import bp

__all__ = ["bp", "history_views", "proposal_views", "template_helpers", "views"]
