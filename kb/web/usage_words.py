"""The counting rule in words, the same on pages, cards and feeds: "3 Kommunen nutzen sie · 2 interessiert"."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from kb.models.usage import Usage


def usage_words(usage: Usage) -> str:
    """Users (pilot, in_betrieb), then interest and former use when there are any (kb.models.usage)."""
    parts = [ngettext("%(num)d Kommune nutzt sie", "%(num)d Kommunen nutzen sie", usage.users) if usage.users
             else _("noch keine weitere Kommune nutzt sie")]
    if usage.interested:
        parts.append(ngettext("%(num)d interessiert", "%(num)d interessiert", usage.interested))
    if usage.former:
        parts.append(ngettext("%(num)d früher", "%(num)d früher", usage.former))
    return " · ".join(parts)
