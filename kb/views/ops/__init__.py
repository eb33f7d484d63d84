"""Operations endpoints: /healthz for load balancers and monitoring."""

from kb.views.ops import views
from kb.views.ops.blueprint import bp

__all__ = ["bp", "views"]
