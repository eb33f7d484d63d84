"""The public pages: start, browse, case, municipality, info pages, errors, headers."""

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import Adoption, AdoptionSource, AdoptionStatus, ModerationState, UseCase, User
from kb.services.cases import submissions
from kb.services.registry import organisations
from tests.helpers import RECORD_CONTACT_AND_REUSE, record, write_jsonl


@pytest.fixture
def imported(runner, tmp_path):
    path = write_jsonl(tmp_path / "pages.jsonl", [
        record("seite-eins", title="Hochwasserfrühwarnsystem mit Pegelsensoren", topics=["Sicherheit"],
               description="## Lösung\n\nSensoren <script>alert('x')</script> messen "
                           "[Pegel](javascript:alert(1)) und [Infos](https://example.org/info).",
               adopters=["Dresden"], contact={"name": "Amt für Umwelt", "email": "umwelt@example.org"},
               lessons="**Früh** die Feuerwehr einbinden.", reuse="Pegeldaten als offene Schnittstelle."),
    ])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0


def text(response) -> str:
    return response.get_data(as_text=True)


def test_start_page_is_german_with_search_and_topics(client):
    response = client.get("/")
    assert response.status_code == 200
    html = text(response)
    assert '<html lang="de"' in html
    assert 'action="/search"' in html and 'name="q"' in html
    assert "Verwaltungsdigitalisierung" in html and "Personal und Organisation" in html


def test_case_page_shows_content_owner_adopters_and_contact(client, imported):
    html = text(client.get("/cases/seite-eins"))
    assert "Hochwasserfrühwarnsystem mit Pegelsensoren" in html
    assert "Leipzig" in html and "Dresden" in html and "Amt für Umwelt" in html
    assert "<strong>Früh</strong>" in html and "Pegeldaten als offene Schnittstelle" in html


def test_case_page_sanitises_markdown(client, imported):
    html = text(client.get("/cases/seite-eins"))
    assert "<script>alert" not in html
    assert "javascript:alert" not in html
    assert 'href="https://example.org/info"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_unknown_case_is_a_404_page_in_the_layout(client):
    response = client.get("/cases/gibt-es-nicht")
    assert response.status_code == 404
    html = text(response)
    assert '<html lang="de"' in html and "Impressum" in html and "nicht gefunden" in html


def test_unpublished_case_is_hidden_from_anonymous_visitors(app, client, imported):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "seite-eins"))
        case.moderation = ModerationState.DRAFT
        db.session.commit()
    assert client.get("/cases/seite-eins").status_code == 404


def test_browse_filters_by_topic_and_shows_facets(client, imported):
    html = text(client.get("/cases?topic=Sicherheit"))
    assert "Hochwasserfrühwarnsystem mit Pegelsensoren" in html
    other = text(client.get("/cases?topic=Bildung"))
    assert "Hochwasserfrühwarnsystem mit Pegelsensoren" not in other


def test_browse_with_unknown_filter_explains_instead_of_failing(client):
    response = client.get("/cases?state=Atlantis")
    assert response.status_code == 400
    assert "Atlantis" in text(response)


def test_municipality_page_shows_what_it_runs(client, imported):
    response = client.get("/municipalities/14713000")
    assert response.status_code == 200
    html = text(response)
    assert "Leipzig" in html and "Hochwasserfrühwarnsystem mit Pegelsensoren" in html


def test_municipality_page_for_adopter(client, imported):
    html = text(client.get("/municipalities/14612000"))
    assert "Dresden" in html and "Hochwasserfrühwarnsystem mit Pegelsensoren" in html


def test_kreisfreie_stadt_kreis_key_redirects_to_the_city(client):
    response = client.get("/municipalities/14713")
    assert response.status_code == 301 and response.headers["Location"].endswith("/municipalities/14713000")


def test_unknown_municipality_is_404(client):
    assert client.get("/municipalities/00000000").status_code == 404


@pytest.mark.parametrize("path", ["/ueber", "/datenquellen", "/impressum", "/datenschutz", "/barrierefreiheit"])
def test_info_pages_render(client, path):
    response = client.get(path)
    assert response.status_code == 200 and '<html lang="de"' in text(response)


def test_footer_credits_destatis(client):
    assert "Statistisches Bundesamt (Destatis)" in text(client.get("/"))
    assert "dl-de/by-2-0" in text(client.get("/datenquellen"))


def test_security_headers_on_every_response(client):
    for path in ("/", "/cases/gibt-es-nicht", "/api/v1/cases"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_no_asset_is_loaded_from_another_host(client, imported):
    import re

    for path in ("/", "/cases", "/cases/seite-eins", "/login"):
        html = text(client.get(path))
        for tag in re.findall(r"<(?:script|link|img)[^>]+>", html):
            assert "http://" not in tag and "https://" not in tag, tag


def key_figures(client) -> dict[str, str]:
    html = text(client.get("/"))
    pairs = re.findall(r'key-figures__label">([^<]+)</dt>\s*<dd class="key-figures__value">([^<]+)</dd>', html)
    return dict(pairs)


def test_start_page_figures_count_only_published_cases_and_their_adopters(app, client, make_user):
    """Issue 19, item 9: adopters of an unpublished case are not "beteiligte Kommunen"."""
    before = key_figures(client)
    assert set(before) == {"beschriebene Lösungen", "Nachnutzungen", "Kommunen mit Interesse",
                           "beteiligte Kommunen und Organisationen"}
    author_id, _email, _pw = make_user("contributor", municipality="Leipzig")
    with app.app_context():
        data = {"title": "Noch nicht veröffentlicht", "summary": "Kurz.", "description": "Lang.",
                "municipality": "Stadt Leipzig", "topics": ["Bürgerservice"], "status": "pilot",
                **RECORD_CONTACT_AND_REUSE}
        case = submissions.submit_data(db.session, data, author=db.session.get(User, author_id))
        for name in ("Gemeinde Nirgendwo", "Verband Unveröffentlicht"):
            case.adoptions.append(Adoption(organisation=organisations.named(db.session, name),
                                           status=AdoptionStatus.IN_BETRIEB, source=AdoptionSource.API))
        db.session.commit()
    assert key_figures(client) == before
