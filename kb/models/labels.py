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
REUSE_PATH = {
    "open_source": _l("Open Source – selbst betreiben"),
    "efa": _l("Einer für Alle (EfA) / Länderdienst"),
    "inhouse": _l("Inhouse-Vergabe an den kommunalen IT-Dienstleister (§ 108 GWB)"),
    "framework": _l("Rahmenvertrag / Abruf"),
    "membership": _l("Mitgliedschaft oder Kooperation"),
    "purchase": _l("Beschaffung am Markt"),
    "service": _l("Dienst eines Anbieters"),
}
OPERATOR_KIND = {
    "municipality": _l("Kommune selbst"),
    "it_service_provider": _l("IT-Dienstleister"),
    "vendor": _l("Anbieter"),
    "association": _l("Verein oder Netzwerk"),
    "public_body": _l("öffentliche Einrichtung"),
}
HOSTING = {
    "on_premise": _l("im eigenen Haus (on-premise)"),
    "it_service_provider": _l("im Rechenzentrum des IT-Dienstleisters"),
    "cloud": _l("in der Cloud / beim Anbieter"),
}
ADOPTION_SOURCE = {  # where an adoption record came from, as its badge says
    "declared": _l("Angabe der Kommune"),
    "api": _l("Angabe der Kommune (Schnittstelle)"),
    "seed": _l("öffentliche Quelle"),
    "imported": _l("aus einem Datenimport"),
    "publiccode": _l("laut publiccode.yml"),
    "moderator": _l("Eintrag der Moderation"),
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
TOPIC_NAME = {  # the vocabulary of INTERFACES §4 (values stay German in data, URLs and the API)
    "Bürgerservice": _l("Bürgerservice"),
    "Künstliche Intelligenz": _l("Künstliche Intelligenz"),
    "Geodaten": _l("Geodaten"),
    "Mobilität": _l("Mobilität"),
    "Klima und Umwelt": _l("Klima und Umwelt"),
    "Energie": _l("Energie"),
    "Bürgerbeteiligung": _l("Bürgerbeteiligung"),
    "Barrierefreiheit": _l("Barrierefreiheit"),
    "Datenplattform": _l("Datenplattform"),
    "Verwaltungsdigitalisierung": _l("Verwaltungsdigitalisierung"),
    "Bildung": _l("Bildung"),
    "Gesundheit und Soziales": _l("Gesundheit und Soziales"),
    "Sicherheit": _l("Sicherheit"),
    "Wirtschaft und Tourismus": _l("Wirtschaft und Tourismus"),
    "IT-Infrastruktur": _l("IT-Infrastruktur"),
    "Personal und Organisation": _l("Personal und Organisation"),
}
TOPIC_DESCRIPTION = {  # the seeded descriptions; one edited in the database is shown as stored
    "Anliegen, Termine, Auskünfte und Leistungen für Bürgerinnen und Bürger":
        _l("Anliegen, Termine, Auskünfte und Leistungen für Bürgerinnen und Bürger"),
    "Sprachmodelle, Chatbots, Bilderkennung und maschinelles Lernen in der Verwaltung":
        _l("Sprachmodelle, Chatbots, Bilderkennung und maschinelles Lernen in der Verwaltung"),
    "Karten, Geoportale, Kataster, Luftbilder und räumliche Analysen":
        _l("Karten, Geoportale, Kataster, Luftbilder und räumliche Analysen"),
    "Verkehr, ÖPNV, Radverkehr, Parken und Verkehrssteuerung":
        _l("Verkehr, ÖPNV, Radverkehr, Parken und Verkehrssteuerung"),
    "Klimaanpassung, Stadtgrün, Wasser, Luft und Umweltbeobachtung":
        _l("Klimaanpassung, Stadtgrün, Wasser, Luft und Umweltbeobachtung"),
    "Energieversorgung, Energiesparen, Solarpotenziale und kommunale Wärmeplanung":
        _l("Energieversorgung, Energiesparen, Solarpotenziale und kommunale Wärmeplanung"),
    "Beteiligungsverfahren, Ideenplattformen, Mängelmelder und Dialog":
        _l("Beteiligungsverfahren, Ideenplattformen, Mängelmelder und Dialog"),
    "Angebote für Menschen mit Behinderungen, barrierearme Wege und Dienste":
        _l("Angebote für Menschen mit Behinderungen, barrierearme Wege und Dienste"),
    "Urbane Datenplattformen, Open Data, Sensorik und Datenräume":
        _l("Urbane Datenplattformen, Open Data, Sensorik und Datenräume"),
    "E-Akte, Onlinezugang, Prozessdigitalisierung und Fachverfahren":
        _l("E-Akte, Onlinezugang, Prozessdigitalisierung und Fachverfahren"),
    "Schulen, Bibliotheken, Volkshochschulen und digitale Lernangebote":
        _l("Schulen, Bibliotheken, Volkshochschulen und digitale Lernangebote"),
    "Gesundheit, Pflege, Jugend, Senioren und soziale Dienste":
        _l("Gesundheit, Pflege, Jugend, Senioren und soziale Dienste"),
    "Bevölkerungsschutz, Katastrophenwarnung, Feuerwehr und IT-Sicherheit":
        _l("Bevölkerungsschutz, Katastrophenwarnung, Feuerwehr und IT-Sicherheit"),
    "Wirtschaftsförderung, Innenstadt, Handel und Tourismus":
        _l("Wirtschaftsförderung, Innenstadt, Handel und Tourismus"),
    "Netze, LoRaWAN, Rechenzentren, Cloud und Basisdienste":
        _l("Netze, LoRaWAN, Rechenzentren, Cloud und Basisdienste"),
    "Personalgewinnung, Weiterbildung, Wissensmanagement und Zusammenarbeit":
        _l("Personalgewinnung, Weiterbildung, Wissensmanagement und Zusammenarbeit"),
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
    "changes_requested": _l("Änderungen erbeten"),
}
AUDIT_ACTION = {
    "adoption.owner_confirm": _l("Nachnutzung vom Betreiber bestätigt"),
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
    "proposal.submit": _l("Vorschlag zur Prüfung gesendet"),
    "proposal.accepted": _l("Vorschlag übernommen"),
    "proposal.rejected": _l("Vorschlag abgelehnt"),
    "proposal.withdrawn": _l("Vorschlag zurückgezogen"),
    "case.harvest": _l("Aus publiccode.yml übernommen"),
    "case.unpublish": _l("Veröffentlichung zurückgenommen"),
    "case.remove": _l("Beschreibung gelöscht"),
    "case.request_changes": _l("Änderungen erbeten"),
    "revision.request_changes": _l("Änderungen an der Änderung erbeten"),
    "referent.declare": _l("Als Ansprechperson eingetragen"),
    "referent.withdraw": _l("Ansprechperson entfernt"),
}
PROPOSAL_STATE = {
    "pending": _l("wartet auf Prüfung"),
    "accepted": _l("übernommen"),
    "rejected": _l("abgelehnt"),
    "withdrawn": _l("zurückgezogen"),
}
PROPOSAL_KIND = {
    "declaration": _l("Nachnutzungsangabe"),
    "report": _l("Erfahrungsbericht"),
}
HARVEST_OUTCOME = {
    "created": _l("neu"),
    "updated": _l("aktualisiert"),
    "proposed": _l("zur Prüfung"),
    "unchanged": _l("unverändert"),
    "not_modified": _l("nicht geändert"),
    "invalid": _l("ungültig"),
    "failed": _l("nicht erreichbar"),
}


def label(table: dict, value) -> str:
    key = getattr(value, "value", value)
    return str(table.get(key, key))
