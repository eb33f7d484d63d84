"""Deciding about a case: the compare view (/vergleich) and the Steckbrief PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.decide_support import KLARSCHIFF, MAERKER, MASTERPORTAL, draft, give_maerker_facts  # noqa: F401


def text(response) -> str:
    return response.get_data(as_text=True)


def test_compare_shows_the_facts_side_by_side(app, client):
    give_maerker_facts(app)
    html = text(client.get(f"/vergleich?cases={MAERKER},{KLARSCHIFF},{MASTERPORTAL}"))
    assert '<caption class="kern-title compare__caption" id="compare-caption">Vergleich von 3 Lösungen' in html
    assert html.count('scope="col"') == 3 and html.count('scope="row"') >= 8
    assert "jährlich 0 €" in html.replace("\xa0", " ")  # Maerker is free of charge for municipalities
    assert "Einer für Alle (EfA) / Länderdienst" in html


@pytest.mark.parametrize(("query", "message"), [
    ("cases=gibt-es-nicht,hamburg-masterportal-geoportal", "„gibt-es-nicht“"),
    ("cases=a,b,c,d,e", "verglichen werden höchstens 4"),
    ("cases=%3Cscript%3Ealert(1)%3C%2Fscript%3E,x", "„&lt;script&gt;alert(1)&lt;/script&gt;“"),
    ("cases=" + "x" * 5000, "gehören zu keiner veröffentlichten Lösung"),
])
def test_compare_refuses_bad_requests_clearly(client, query, message):
    response = client.get(f"/vergleich?{query}")
    assert response.status_code == 400
    assert message in text(response) and "<script>alert(1)" not in text(response)


def test_compare_never_leaks_a_draft(client, draft):  # noqa: F811
    response = client.get(f"/vergleich?cases={draft},{MAERKER}")
    assert response.status_code == 400
    assert "Zauberportal" not in text(response)
    assert f"„{draft}“" in text(response)  # the same message as for a slug that does not exist


def test_compare_with_one_case_asks_for_more(client):
    response = client.get(f"/vergleich?cases={MAERKER}")
    assert response.status_code == 200 and "mindestens 2 Lösungen" in text(response)


@pytest.mark.parametrize("query", ["cases=", "cases=,,%20,", "cases=%20"])
def test_compare_without_a_case_explains_how_to_start(client, query):
    response = client.get(f"/vergleich?{query}")
    assert response.status_code == 200 and "Noch keine Lösungen gewählt." in text(response)
    assert 'class="kern-table compare__table"' not in text(response)


def test_compare_shows_a_case_named_twice_once_and_says_so(client):
    twice = client.get(f"/vergleich?cases={MAERKER},{KLARSCHIFF},{MAERKER}")
    assert twice.status_code == 200
    html = text(twice)
    assert "Vergleich von 2 Lösungen" in html and html.count('scope="col"') == 2
    assert "Eine Lösung war mehrfach genannt; sie wird nur einmal gezeigt." in html
    alone = text(client.get(f"/vergleich?cases={MAERKER}&cases={MAERKER}"))
    assert "mindestens 2 Lösungen; gewählt ist nur „Maerker Brandenburg" in alone and "mehrfach genannt" in alone
    # five names, four cases: repeats do not count against the limit of four
    four = client.get(f"/vergleich?cases={MAERKER},{KLARSCHIFF},{MASTERPORTAL},aachen-telenotarzt,{KLARSCHIFF}")
    assert four.status_code == 200 and "Vergleich von 4 Lösungen" in text(four)
    assert "mehrfach genannt" not in text(client.get(f"/vergleich?cases={MAERKER},{KLARSCHIFF}"))


def test_compare_starts_from_the_merkliste(client):
    for slug in (MAERKER, KLARSCHIFF):
        client.post("/merkliste", data={"case": slug})
    assert 'value="brandenburg-maerker-maengelmelder" checked' in text(client.get("/merkliste"))
    start = client.get("/vergleich")
    assert start.status_code == 303 and start.headers["Location"].endswith(f"/vergleich?cases={MAERKER},{KLARSCHIFF}")


def pdf_text(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return reader, " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_steckbrief_is_a_valid_pdf_with_title_owner_facts_and_umlauts(app, client):
    give_maerker_facts(app)
    with app.app_context():  # a person's address as the contact: never printed, questions go through the site
        from kb.extensions import db
        from kb.services.catalog import listing

        listing.get_published(db.session, MAERKER).contact = {"name": "Frau Dr. Müller-Lüdenscheidt",
                                                               "email": "m.mueller@brandenburg.example"}
        db.session.commit()
    reader, content = pdf_text(client.get(f"/cases/{MAERKER}/steckbrief.pdf"))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox  # A4 in points
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert "Frau Dr. Müller-Lüdenscheidt" in content and "@" not in content
    base = app.config["KB_BASE_URL"].rstrip("/")
    for expected in ("Maerker Brandenburg", "Landesweiter Mängelmelder", "Land Brandenburg", "Auf einen Blick",
                     "Wie kommt man dran?", "Einer für Alle", "ZIT-BB", "jährlich 0 €", "Wer nutzt die Lösung?",
                     "Kommunen unter 10.000 Einwohnern (", "Mittenwalde (9", "Landkreis Havelland", "CC BY 4.0",
                     f"Quelle: {base}/cases/{MAERKER}"):
        assert expected in content.replace("\xa0", " "), expected
    fonts = {str(font) for page in reader.pages for font in page["/Resources"]["/Font"].values()
             for font in [font.get_object()["/BaseFont"]]}
    assert any("Fira" in f for f in fonts), fonts  # KERN's typeface, embedded from the vendored files


def test_steckbrief_only_for_published_cases(client, draft):  # noqa: F811
    assert client.get(f"/cases/{draft}/steckbrief.pdf").status_code == 404
    assert client.get("/cases/gibt-es-nicht/steckbrief.pdf").status_code == 404


def test_pdf_renderer_reads_only_local_files_below_its_roots(app, tmp_path):
    from kb.web import pdf

    fetcher = pdf._fetcher([tmp_path])
    for url in ("https://example.org/font.woff2", "http://127.0.0.1/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_steckbrief_of_cases_with_long_facts_or_many_users_is_one_page(client):
    for slug in (MASTERPORTAL, "behoerdennummer-115-ki-chatbot"):
        reader, content = pdf_text(client.get(f"/cases/{slug}/steckbrief.pdf"))
        assert len(reader.pages) == 1 and "Auf einen Blick" in content, slug


def test_readme_shows_the_case_page_compare_and_merkliste():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    for feature in ("„Auf einen Blick“", "**Merkliste**", "**Vergleich**", "**Steckbrief**", "Kommunen Ihrer Größe"):
        assert feature in readme, feature
    for shot in ("case.png", "case-mobile.png", "compare.png"):
        alt = re.search(rf"!\[([^\]]*)\]\(docs/screenshots/{re.escape(shot)}\)", readme)
        assert alt and len(alt.group(1)) > 40, shot  # a description, not a file name
        assert (root / "docs" / "screenshots" / shot).stat().st_size > 10_000, shot
