"""Template helpers of the Merkliste, registered for every page (the "Merken" buttons)."""

from __future__ import annotations

from kb.views.shortlist import store
from kb.views.shortlist.blueprint import bp


@bp.app_template_global()
def shortlist_ids() -> set[int]:
    """Ids of the cases on the visitor's Merkliste."""
    return set(store.ids())
