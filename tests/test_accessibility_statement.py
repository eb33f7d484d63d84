"""The accessibility statement (Erklärung zur Barrierefreiheit) has what BITV 2.0 asks for."""

from datetime import date

import pytest

from config import build_config


def page(client) -> str:
    response = client.get("/barrierefreiheit")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_statement_has_conformity_limitations_feedback_enforcement_and_date(app, client):
    app.config["KB_ACCESSIBILITY_EMAIL"] = "barrierefreiheit@kommune.example"
    app.config["KB_ACCESSIBILITY_DATE"] = date(2026, 3, 5)
    html = page(client)
    assert "Erklärung zur Barrierefreiheit" in html
    assert "Stand der Vereinbarkeit" in html and "teilweise vereinbar" in html
    assert "Nicht barrierefreie Inhalte" in html
    assert 'href="mailto:barrierefreiheit@kommune.example"' in html
    assert "Schlichtungsverfahren" in html and "https://www.schlichtungsstelle-bgg.de" in html
    assert "5. März 2026" in html


def test_without_a_configured_address_the_operator_is_asked_to_fill_it_in(app, client):
    app.config["KB_ACCESSIBILITY_EMAIL"] = None
    html = page(client)
    assert "KB_ACCESSIBILITY_EMAIL" in html and "mailto:barrierefreiheit" not in html


def test_statement_date_follows_the_language(app, client):
    app.config["KB_ACCESSIBILITY_DATE"] = date(2026, 3, 5)
    html = client.get("/barrierefreiheit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en"' in html and "March 5, 2026" in html


@pytest.mark.parametrize("path", ["/", "/search?q=Portal", "/login", "/cases/gibt-es-nicht"])
def test_every_page_links_the_statement_in_the_footer(client, path):
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index("<footer"):]
    assert 'href="/barrierefreiheit"' in footer


def test_address_and_date_come_from_the_environment():
    settings = build_config({"KB_ACCESSIBILITY_EMAIL": " a11y@land.example ", "KB_ACCESSIBILITY_DATE": "2027-01-31"})
    assert settings["KB_ACCESSIBILITY_EMAIL"] == "a11y@land.example"
    assert settings["KB_ACCESSIBILITY_DATE"] == date(2027, 1, 31)
    with pytest.raises(RuntimeError, match="KB_ACCESSIBILITY_DATE"):
        build_config({"KB_ACCESSIBILITY_DATE": "31.01.2027"})
