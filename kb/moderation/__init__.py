"""Moderation: the queue, decisions, revision history and diffs."""

from kb.moderation import history_views, views
from kb.moderation.blueprint import bp

__all__ = ["bp", "history_views", "views"]
