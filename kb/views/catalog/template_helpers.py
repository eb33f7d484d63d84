"""Template helpers of the catalogue, registered for every page."""

from __future__ import annotations

from kb.services.catalog import regions
from kb.views.catalog.blueprint import bp


@bp.app_template_filter("land_slug")
def land_slug_filter(name: str) -> str:
    """``{{ land.name|land_slug }}`` for links to /laender/<slug>."""
    return regions.land_slug(name)
