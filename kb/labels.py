"""Human labels for stored values, translatable."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CASE_STATUS = {
    "planung": _l("In Planung"),
    "pilot": _l("Pilotbetrieb"),
    "in_betrieb": _l("Im Betrieb"),
    "eingestellt": _l("Eingestellt"),
}
ADOPTION_STATUS = {
    "interessiert": _l("Interessiert"),
    "pilot": _l("Im Pilotbetrieb"),
    "in_betrieb": _l("Im Betrieb"),
    "eingestellt": _l("Eingestellt"),
}
MODERATION_STATE = {
    "draft": _l("Entwurf"),
    "submitted": _l("In Prüfung"),
    "published": _l("Veröffentlicht"),
    "rejected": _l("Zurückgewiesen"),
}
ORGANISATION_KIND = {
    "gemeinde": _l("Gemeinde"),
    "kreis": _l("Kreis"),
    "land": _l("Land"),
    "bund": _l("Bund"),
    "verband": _l("Verband"),
    "unternehmen": _l("Unternehmen"),
    "forschung": _l("Forschung"),
    "ausland": _l("Ausland"),
    "sonstige": _l("Organisation"),
}
ROLE = {
    "reader": _l("Lesend"),
    "contributor": _l("Beitragend"),
    "moderator": _l("Moderation"),
    "admin": _l("Administration"),
}


def label(table: dict, value) -> str:
    key = getattr(value, "value", value)
    return str(table.get(key, key))
