"""People and demand: the contact relay, referents, follows and unsubscribing, the needs board
(/bedarfe) and "Mitmachen" (who else is interested).

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.community import contact_views, follow_views, need_views, pool_views, template_helpers
from kb.views.community.blueprint import bp

__all__ = ["bp", "contact_views", "follow_views", "need_views", "pool_views", "template_helpers"]
