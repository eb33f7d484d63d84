"""Re-use of cases: declaring, confirming, withdrawing, experience reports, moderation."""

from kb.adoption import panel, views
from kb.adoption.blueprint import bp

__all__ = ["bp", "panel", "views"]
