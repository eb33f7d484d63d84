"""German and English: default language, Accept-Language, the language switch, locale formats and
a complete English catalogue."""

from __future__ import annotations

import re
import shutil
from datetime import datetime

import pytest
from babel.numbers import format_decimal
from babel.support import Translations
from sqlalchemy import select

from kb.extensions import db
from kb.models import Municipality, UseCase
from tests.i18n_support import TRANSLATIONS, catalog_files, compile_catalogs, extract, read_catalog
from tests.mailbox import mails

EN = {"Accept-Language": "en"}
LEIPZIG = "14713000"
CASE = "leipzig-ki-chatbot-buergerservice"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


def text(response) -> str:
    return response.get_data(as_text=True)


def lang_of(html: str) -> str:
    return re.search(r'<html lang="([a-z-]+)"', html).group(1)


# -- which language -------------------------------------------------------------------------------

def test_german_is_the_default_without_accept_language(client):
    html = text(client.get("/"))
    assert lang_of(html) == "de"
    assert "Lösungen nach Thema" in html and "Zum Inhalt springen" in html
    assert "Solutions by topic" not in html


@pytest.mark.parametrize("header", ["fr-FR,fr;q=0.9", "*", ""])
def test_unsupported_languages_fall_back_to_german(client, header):
    html = text(client.get("/", headers={"Accept-Language": header}))
    assert lang_of(html) == "de" and "Lösungen nach Thema" in html


@pytest.mark.parametrize("path, status, english, german", [
    ("/", 200, "Solutions by topic", "Lösungen nach Thema"),
    ("/search?q=Chatbot", 200, "solutions found", "Lösungen gefunden"),
    (f"/cases/{CASE}", 200, "At a glance", "Auf einen Blick"),
    (f"/municipalities/{LEIPZIG}", 200, "Inhabitants", "Einwohnerinnen und Einwohner"),
    ("/login", 200, "Forgot your password?", "Passwort vergessen?"),
    ("/register", 200, "Create account", "Konto anlegen"),
    ("/cases/gibt-es-nicht", 404, "Page not found", "Seite nicht gefunden"),
])
def test_accept_language_en_gives_english_pages(client, path, status, english, german):
    response = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"})
    html = text(response)
    assert response.status_code == status
    assert lang_of(html) == "en"
    assert english in html and german not in html
    # the layout is English too: skip link, navigation, footer
    assert "Skip to content" in html and "About the Praxisatlas" in html and "Legal notice" in html
    assert "Zum Inhalt springen" not in html and "Über den Praxisatlas" not in html
    german_html = text(client.get(path))
    assert german in german_html and english not in german_html


def test_texts_for_scripts_come_translated_in_data_attributes(client):
    html = text(client.get("/search?q=Chatbot", headers=EN))
    assert 'data-typeahead-none="No suggestions."' in html
    assert 'data-typeahead-many="{n} suggestions.' in html
    map_page = text(client.get("/cases/behoerdennummer-115-ki-chatbot", headers=EN))
    assert "data-atlas-map" in map_page
    assert 'data-stale-label="outdated"' in map_page and 'data-attribution="State borders: Natural Earth"' in map_page


def test_python_messages_follow_the_language(client, make_user):
    _id, email, _password = make_user("reader")
    response = client.post("/login", data={"email": email, "password": "falsch-falsch-1"}, headers=EN)
    assert response.status_code == 400
    assert "Email address or password is incorrect." in text(response)
    german = client.post("/login", data={"email": email, "password": "falsch-falsch-1"})
    assert "E-Mail-Adresse oder Passwort ist falsch." in text(german)


def test_municipality_resolution_explains_itself_in_english(client):
    response = client.post("/register", headers=EN, data={
        "email": "neu@example.org", "password": "geheim-passwort-1", "confirm": "geheim-passwort-1",
        "municipality": "Neustadt"})
    html = text(response)
    assert response.status_code == 400
    assert "is ambiguous" in html and "Please give the federal state" in html
    assert "mehrdeutig" not in html and "Neustadt an der Weinstraße" in html


def test_mail_goes_out_in_the_language_of_the_request(app, client):
    response = client.post("/register", headers=EN, data={
        "email": "english@example.org", "password": "geheim-passwort-1", "confirm": "geheim-passwort-1"})
    assert response.status_code == 303
    (mail,) = mails(app, "english@example.org")
    assert mail.subject == "Please confirm your email address"
    assert "Please confirm the address using this link" in mail.body


# -- the language switch ---------------------------------------------------------------------------

def switch(client, lang: str, next_path: str = "/", **headers):
    return client.post("/sprache", data={"lang": lang, "next": next_path}, headers=headers)


def test_language_switch_is_remembered_and_beats_accept_language(client):
    response = switch(client, "en", "/search?q=Chatbot")
    assert response.status_code == 303 and response.headers["Location"].endswith("/search?q=Chatbot")
    html = text(client.get("/"))
    assert lang_of(html) == "en" and "Solutions by topic" in html
    # the visible switch now offers German, in German
    assert 'name="lang" value="de"' in html and 'lang="de">' in html
    assert lang_of(text(client.get("/login", headers={"Accept-Language": "de"}))) == "en"

    switch(client, "de", "/", **EN)
    html = text(client.get("/", headers=EN))
    assert lang_of(html) == "de" and "Lösungen nach Thema" in html


def test_unknown_language_choice_changes_nothing(client):
    response = switch(client, "xx", "/login")
    assert response.status_code == 303
    assert lang_of(text(client.get("/"))) == "de"


def test_language_choice_survives_login(client, make_user, login):
    _id, email, _password = make_user("contributor")
    switch(client, "en")
    login(email)
    html = text(client.get("/"))
    assert lang_of(html) == "en" and "Sign out" in html and "My contributions" in html


# -- locale formats --------------------------------------------------------------------------------

def test_population_is_formatted_per_locale(app, client):
    with app.app_context():
        population = db.session.scalar(select(Municipality.population).where(Municipality.ags == LEIPZIG))
    assert population and population >= 1000
    german, english = format_decimal(population, locale="de"), format_decimal(population, locale="en")
    assert german != english and "." in german and "," in english
    assert german in text(client.get(f"/municipalities/{LEIPZIG}"))
    html = text(client.get(f"/municipalities/{LEIPZIG}", headers=EN))
    assert english in html and german not in html


def test_case_dates_are_formatted_per_locale(app, client):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == CASE))
        case.published_at = datetime(2026, 3, 5, 11, 0)
        case.updated_at = datetime(2026, 11, 22, 11, 0)
        db.session.commit()
    german = text(client.get(f"/cases/{CASE}"))
    english = text(client.get(f"/cases/{CASE}", headers=EN))
    assert "22.11.2026" in german and "05.03.2026" in german
    assert "Nov 22, 2026" in english and "Mar 5, 2026" in english
    assert "22.11.2026" not in english


def test_result_counts_use_the_locale_number_format(app, client):
    html = text(client.get("/search", headers=EN))
    match = re.search(r"([\d,.]+) solutions found", html)
    assert match, "the English search page names the number of results"
    total = int(match.group(1).replace(",", ""))
    german = text(client.get("/search"))
    assert f"{format_decimal(total, locale='de')} Lösungen gefunden" in german


# -- the catalogue ---------------------------------------------------------------------------------

def english_catalog():
    (po_file,) = [p for p in catalog_files() if p.parent.parent.name == "en"]
    return read_catalog(po_file)


def test_every_ui_string_has_an_english_translation():
    catalog = english_catalog()
    problems = []
    for (context, msgid), places in sorted(extract().items(), key=lambda item: item[1][0]):
        singular = msgid if isinstance(msgid, str) else msgid[0]
        message = catalog.get(singular, context=context)
        where = places[0]
        if message is None:
            problems.append(f"{where}: not in messages.po: {singular!r}")
        elif "fuzzy" in message.flags:
            problems.append(f"{where}: fuzzy: {singular!r}")
        elif isinstance(msgid, tuple) != message.pluralizable:
            problems.append(f"{where}: used both with and without plural (use another wording): {singular!r}")
        elif not all(message.string if message.pluralizable else [message.string]):
            problems.append(f"{where}: no English translation: {singular!r}")
    assert not problems, "Run `make translations-update` and translate:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders():
    problems = []
    for message in english_catalog():
        if not message.id:
            continue
        if message.pluralizable:
            pairs = [(message.id[0], message.string[0]), (message.id[1], message.string[1])]
        else:
            pairs = [(message.id, message.string)]
        for source, translated in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                problems.append(f"{source!r} → {translated!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_missing_compiled_catalogue_is_built_for_the_tests(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    for mo_file in copy.glob("*/LC_MESSAGES/messages.mo"):
        mo_file.unlink()
    written = compile_catalogs(copy)
    assert [p.parent.parent.name for p in written] == ["en"]
    translations = Translations.load(str(copy), ["en"])
    assert translations.gettext("Zum Inhalt springen") == "Skip to content"
    assert translations.ngettext("%(num)d Lösung", "%(num)d Lösungen", 2) == "%(num)d solutions"
    assert compile_catalogs(copy) == []  # up to date: nothing to do


def test_topic_names_are_shown_in_english_but_filter_by_their_german_value(client):
    start = client.get("/", headers=EN).text
    assert "Artificial intelligence" in start and "Künstliche Intelligenz" not in text(client.get("/", headers=EN))
    assert 'href="/cases?topic=K%C3%BCnstliche+Intelligenz"' in start or "topic=K%C3%BCnstliche%20Intelligenz" in start
    results = client.get("/search?q=Chatbot&topic=Künstliche Intelligenz", headers=EN)
    assert results.status_code == 200
    html = results.text
    assert 'name="topic" value="Künstliche Intelligenz"' in html  # the facet keeps the stored value
    assert "Topic:</span> Artificial intelligence" in html  # the active-filter chip shows the label
    german = client.get("/search?q=Chatbot&topic=Künstliche Intelligenz").text
    assert "Thema:</span> Künstliche Intelligenz" in german


def _without_compiled(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    for mo_file in copy.glob("*/LC_MESSAGES/messages.mo"):
        mo_file.unlink()
    return copy


def test_the_app_compiles_missing_catalogues_when_it_starts(app, tmp_path):
    from kb import create_app

    copy = _without_compiled(tmp_path)
    started = create_app({**app.config, "BABEL_TRANSLATION_DIRECTORIES": str(copy)})
    assert (copy / "en" / "LC_MESSAGES" / "messages.mo").exists()
    page = started.test_client().get("/", headers=EN).text
    assert "Skip to content" in page and "Zum Inhalt springen" not in page


def test_a_read_only_installation_compiles_into_the_data_directory(tmp_path, monkeypatch):
    from kb.web import i18n_catalogs

    copy = _without_compiled(tmp_path)
    real = i18n_catalogs.compile_catalogue

    def read_only(po_file, mo_file):
        if copy in mo_file.parents:
            raise PermissionError(13, "Read-only file system")
        real(po_file, mo_file)

    monkeypatch.setattr(i18n_catalogs, "compile_catalogue", read_only)
    config = {"BABEL_TRANSLATION_DIRECTORIES": str(copy), "KB_DATA_DIR": str(tmp_path / "data"), "ENV_NAME": "testing"}
    written = i18n_catalogs.ensure_compiled(config)
    assert config["BABEL_TRANSLATION_DIRECTORIES"] == str(tmp_path / "data" / "translations")
    assert written == [tmp_path / "data" / "translations" / "en" / "LC_MESSAGES" / "messages.mo"]


def test_production_refuses_to_start_on_half_built_translations(app, tmp_path):
    from kb import create_app
    from kb.web.i18n_catalogs import MissingTranslations

    copy = _without_compiled(tmp_path)
    with pytest.raises(MissingTranslations, match="make translations"):
        create_app({**app.config, "ENV_NAME": "production", "BABEL_TRANSLATION_DIRECTORIES": str(copy)})
    assert not (copy / "en" / "LC_MESSAGES" / "messages.mo").exists()


def test_template_messages_follow_each_request_s_language_and_escape_their_values(app):
    """Templates remember translated messages per catalogue: a German request after an English one
    (and the other way round) still gets its own language, and values stay escaped."""
    page = app.jinja_env.from_string("{{ _('Suche') }}|{{ _('Thema „%(name)s“', name=value) }}|"
                                     "{% trans %}Anmelden{% endtrans %}|{{ _('Suche') }}")
    seen = []
    for language in ("de", "en", "de", "en"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            seen.append(page.render(value="<b>7</b>"))
    german = "Suche|Thema „&lt;b&gt;7&lt;/b&gt;“|Anmelden|Suche"
    english = "Search|Topic “&lt;b&gt;7&lt;/b&gt;”|Sign in|Search"
    assert seen == [german, english, german, english]


def test_the_number_filter_formats_like_babel_in_both_languages(app):
    """Small counts take a shortcut past Babel: the same text in German and English."""
    from flask_babel import force_locale

    values = [*range(0, 1101), 12345, 1234567, -3, -1000, 2.5, 1000.75]
    with app.test_request_context("/"):
        number = app.jinja_env.filters["number"]
        for locale in ("de", "en"):
            with force_locale(locale):
                assert [number(v) for v in values] == [format_decimal(v, locale=locale) for v in values], locale


def test_macro_libraries_render_for_the_request_that_calls_them(client):
    """macros.html and the other macro libraries are imported without context, built once per process:
    what their macros show still comes from the request that calls them – its language, its path."""
    other = "leipzig-ki-anonymisierung-dokumente"
    pages = [(CASE, {}), (other, EN), (CASE, EN), (other, {})]
    for slug, headers in pages:
        html = text(client.get(f"/cases/{slug}", headers=headers))
        english = headers == EN
        assert ("Search solutions" in html) is english  # m.search_form in the header
        assert (">Save<" in html) is english and (">Merken<" in html) is not english  # shortlist toggle
        assert f'name="next" value="/cases/{slug}#merken-{slug}"' in html
