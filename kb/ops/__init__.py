"""Operations endpoints: /healthz for load balancers and monitoring."""

from kb.ops import views
from kb.ops.blueprint import bp

__all__ = ["bp", "views"]
