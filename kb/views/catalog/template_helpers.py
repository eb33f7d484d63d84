"""Template helpers of the catalogue, registered for every page."""

from __future__ import annotations

from kb.services.catalog import regions
from kb.views.catalog.blueprint import bp

#: example searches offered on the start page and on an empty result page: search words of the
#: (German) catalogue, not UI text; each must find at least two strong hits in the seeded
#: catalogue (tests/test_search_confidence_app.py)
SEARCH_EXAMPLES = ("Chatbot", "Mängelmelder", "Geodaten NRW", "Bürgerbeteiligung", "Open Data")


@bp.app_template_filter("land_slug")
def land_slug_filter(name: str) -> str:
    """``{{ land.name|land_slug }}`` for links to /laender/<slug>."""
    return regions.land_slug(name)


@bp.app_template_global("search_examples")
def search_examples() -> tuple[str, ...]:
    """``{% for example in search_examples() %}``: the example searches the UI offers."""
    return SEARCH_EXAMPLES
