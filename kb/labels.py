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
REVISION_STATE = {
    "draft": _l("Entwurf"),
    "submitted": _l("In Prüfung"),
    "published": _l("Veröffentlicht"),
    "rejected": _l("Zurückgewiesen"),
    "superseded": _l("Abgelöst"),
}
AUDIT_ACTION = {
    "user.create": _l("Konto angelegt"),
    "user.confirm_email": _l("E-Mail-Adresse bestätigt"),
    "user.password_reset_requested": _l("Neues Passwort angefordert"),
    "user.password_reset": _l("Passwort zurückgesetzt"),
    "user.password_change": _l("Passwort geändert"),
    "user.locked": _l("Anmeldung nach Fehlversuchen gesperrt"),
    "user.unlock": _l("Sperre aufgehoben"),
    "user.role": _l("Rolle geändert"),
    "user.verify_membership": _l("Zugehörigkeit bestätigt"),
    "user.unverify_membership": _l("Bestätigung der Zugehörigkeit entzogen"),
    "user.deactivate": _l("Konto deaktiviert"),
    "user.activate": _l("Konto aktiviert"),
    "case.create": _l("Beschreibung angelegt"),
    "case.submit": _l("Zur Prüfung eingereicht"),
    "case.withdraw": _l("Aus der Prüfung zurückgezogen"),
    "case.publish": _l("Veröffentlicht"),
    "case.reject": _l("Zurückgewiesen"),
    "case.delete": _l("Entwurf gelöscht"),
    "revision.submit": _l("Änderung eingereicht"),
    "revision.withdraw": _l("Änderung zurückgezogen"),
    "revision.publish": _l("Änderung veröffentlicht"),
    "revision.reject": _l("Änderung zurückgewiesen"),
}


def label(table: dict, value) -> str:
    key = getattr(value, "value", value)
    return str(table.get(key, key))
