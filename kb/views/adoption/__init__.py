"""Re-use of cases: declaring, confirming, withdrawing, experience reports, moderation.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.adoption import template_helpers, views
from kb.views.adoption.blueprint import bp

__all__ = ["bp", "template_helpers", "views"]
