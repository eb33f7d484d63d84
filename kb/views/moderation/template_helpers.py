"""Template helpers of moderation, registered for every page."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from kb.models.base import utcnow
from kb.views.moderation.blueprint import bp


@bp.app_template_filter("since")
def since(moment) -> str:
    """"seit 3 Tagen" / "seit 5 Stunden" / "seit wenigen Minuten"."""
    if moment is None:
        return ""
    seconds = max(0, int((utcnow() - moment).total_seconds()))
    if seconds < 3600:
        return _("seit wenigen Minuten")
    if seconds < 86400:
        return ngettext("seit %(num)d Stunde", "seit %(num)d Stunden", seconds // 3600)
    return ngettext("seit %(num)d Tag", "seit %(num)d Tagen", seconds // 86400)
