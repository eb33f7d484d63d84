"""Operations endpoints: /healthz for load balancers and monitoring.

May import web, services and models; never another blueprint or the search engine.
"""

from kb.views.ops import views
from kb.views.ops.blueprint import bp

__all__ = ["bp", "views"]
