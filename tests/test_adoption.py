""""Wir nutzen das auch": declaring, changing, withdrawing, moderating re-use; trust and staleness."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Adoption, AdoptionSource, AuditEvent, Organisation, UseCase, User
from kb.models.base import utcnow
from kb.services.adoptions import declarations as adoptions
from kb.services.registry import organisations

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # run by Kaiserslautern, no adopters in the seed
ULM = "08421000"


def adoptions_of(app, slug: str = CASE) -> list[tuple[str | None, str, bool]]:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        return [(a.organisation.key, a.status.value, a.verified) for a in case.adoptions]


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def ulm_member(make_user, login):
    _id, email, password = make_user("contributor", municipality=ULM)
    login(email, password)
    return email


def test_member_declares_and_ulm_appears_everywhere(app, client, ulm_member):
    page = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert f'action="/cases/{CASE}/adopt"' in page and "Wir nutzen das auch" in page

    response = client.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "note": "Seit Mai im Rathaus"})
    assert response.status_code == 303

    assert adoptions_of(app) == [(ULM, "pilot", True)]
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert 'href="/municipalities/08421000">Ulm</a>' in html and "Seit Mai im Rathaus" in html
    adopters = client.get(f"/api/v1/cases/{CASE}").get_json()["adopters"]
    assert [(a["key"], a["status"], a["verified"], a["stale"]) for a in adopters] == [(ULM, "pilot", True, False)]
    municipality = client.get(f"/api/v1/municipalities/{ULM}").get_json()
    adopted = {c["slug"]: c["adoption"] for c in municipality["adopted"]}
    assert adopted[CASE]["verified"] is True and adopted[CASE]["stale"] is False
    assert CASE in client.get(f"/municipalities/{ULM}").get_data(as_text=True)


def test_declaring_twice_updates_the_one_adoption(app, client, ulm_member):
    client.post(f"/cases/{CASE}/adopt", data={"status": "interessiert"})
    client.post(f"/cases/{CASE}/adopt", data={"status": "in_betrieb", "note": "läuft"})
    assert adoptions_of(app) == [(ULM, "in_betrieb", True)]
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "adoption")).all()
    assert actions == ["adoption.declare", "adoption.update"]


def test_anonymous_post_is_refused_and_changes_nothing(app, client):
    response = client.post(f"/cases/{CASE}/adopt", data={"status": "pilot"})
    assert response.status_code in (302, 401) and "/login" in response.headers.get("Location", "/login")
    assert adoptions_of(app) == []


def test_post_without_csrf_token_is_refused(csrf_app, make_user):
    client = csrf_app.test_client()
    _id, email, password = make_user("contributor", municipality=ULM)
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(login_page)})
    response = client.post(f"/cases/{CASE}/adopt", data={"status": "pilot"})
    assert response.status_code == 400
    assert adoptions_of(csrf_app) == []
    page = client.get(f"/cases/{CASE}").get_data(as_text=True)
    ok = client.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "csrf_token": csrf_token(page)})
    assert ok.status_code == 303 and adoptions_of(csrf_app) == [(ULM, "pilot", True)]


def test_invalid_status_rerenders_form_with_error(app, client, ulm_member):
    response = client.post(f"/cases/{CASE}/adopt", data={"status": "läuft-irgendwie"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and 'aria-describedby="status-error"' in html
    assert adoptions_of(app) == []


def test_reader_without_municipality_sees_why(app, client, make_user, login):
    _id, email, password = make_user("reader")
    login(email, password)
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert "keiner Kommune und keiner Organisation zugeordnet" in html
    assert client.post(f"/cases/{CASE}/adopt", data={"status": "pilot"}).status_code == 403
    assert adoptions_of(app) == []


def test_anonymous_visitor_is_invited_to_sign_in(client):
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert "Anmelden und Nachnutzung angeben" in html


def test_owner_cannot_adopt_its_own_case(app, client, make_user, login):
    _id, email, password = make_user("contributor", municipality="07312000")  # Kaiserslautern
    login(email, password)
    assert "betreibt diese Lösung selbst" in client.get(f"/cases/{CASE}").get_data(as_text=True)
    refused = client.post(f"/cases/{CASE}/adopt", data={"status": "pilot"})
    assert refused.status_code == 403 and "betreibt diese Lösung selbst" in refused.get_data(as_text=True)
    assert adoptions_of(app) == []


def test_unverified_member_declaration_waits_for_moderation(app, client, make_user, login):
    """Issue 19, item 2 (was: published at once as "unbestätigt"): it is held as a proposal."""
    user_id, email, password = make_user("reader", municipality=ULM)
    with app.app_context():
        db.session.get(User, user_id).membership_verified_at = None
        db.session.commit()
    login(email, password)
    client.post(f"/cases/{CASE}/adopt", data={"status": "in_betrieb"})
    assert adoptions_of(app) == []
    assert "Ihre Angabe wartet auf Prüfung" in client.get(f"/cases/{CASE}").get_data(as_text=True)


def test_member_withdraws(app, client, ulm_member):
    client.post(f"/cases/{CASE}/adopt", data={"status": "pilot"})
    assert client.post(f"/cases/{CASE}/adopt/withdraw").status_code == 303
    assert adoptions_of(app) == []
    assert client.post(f"/cases/{CASE}/adopt/withdraw").status_code == 404


def test_declaring_over_an_imported_adoption_makes_it_verified(app, client, ulm_member):
    slug = "hamburg-dipas-digitale-beteiligung"  # seed lists Munich, Leipzig, Bremen as unverified
    client.post(f"/cases/{slug}/adopt", data={"status": "in_betrieb"})
    with app.app_context():
        munich = organisations.for_key(db.session, "09162000")
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        user = db.session.scalar(select(User).where(User.email == ulm_member))
        user.organisation = munich
        user.municipality_ags = "09162000"
        db.session.commit()
    before = adoptions_of(app, slug)
    assert ("09162000", "in_betrieb", False) in before
    client.post(f"/cases/{slug}/adopt", data={"status": "pilot"})
    after = adoptions_of(app, slug)
    assert ("09162000", "pilot", True) in after and len(after) == len(before)
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        assert db.session.scalar(select(func.count(Adoption.id)).where(Adoption.case_id == case.id)) == len(after)


def test_declare_survives_a_concurrent_insert(app):
    """Another request inserted the same adoption between our lookup and our insert."""
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == CASE))
        ulm = organisations.for_key(db.session, ULM)
        db.session.commit()
        real_find = adoptions.find
        calls = []

        def racing_find(session, case_, org):
            calls.append(1)
            if len(calls) == 1:  # the rival commits its row right after our lookup
                with db.engine.begin() as conn:
                    conn.execute(Adoption.__table__.insert().values(
                        case_id=case_.id, organisation_id=org.id, status="interessiert", source="api",
                        verified=False, created_at=utcnow(), updated_at=utcnow()))
                return None
            return real_find(session, case_, org)

        adoptions.find = racing_find
        try:
            result = adoptions.declare(db.session, case=case, organisation=ulm, status="in_betrieb", note=None,
                                       actor=None, verified=False)
        finally:
            adoptions.find = real_find
        rows = db.session.scalars(select(Adoption).where(Adoption.case_id == case.id)).all()
        assert [r.id for r in rows] == [result.id] and rows[0].status.value == "in_betrieb"


def test_moderator_corrects_and_removes_with_audit(app, client, make_user, login):
    slug = "hamburg-dipas-digitale-beteiligung"
    _id, email, password = make_user("moderator")
    login(email, password)
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        adoption = next(a for a in case.adoptions if a.organisation.key == "04011000")
        adoption_id = adoption.id
    html = client.get(f"/cases/{slug}").get_data(as_text=True)
    assert f"/cases/{slug}/adoptions/{adoption_id}/moderate" in html

    url = f"/cases/{slug}/adoptions/{adoption_id}/moderate"
    missing_reason = client.post(url, data={"status": "eingestellt", "note": ""})
    assert missing_reason.status_code == 400
    assert ("04011000", "in_betrieb", False) in adoptions_of(app, slug)

    assert client.post(url, data={"status": "eingestellt", "note": "laut Telefonat", "verified": "y",
                                  "reason": "Rückmeldung der Stadt Bremen"}).status_code == 303
    assert ("04011000", "eingestellt", True) in adoptions_of(app, slug)

    removed = client.post(f"/cases/{slug}/adoptions/{adoption_id}/remove", data={"remove-reason": "Dublette"})
    assert removed.status_code == 303
    assert "04011000" not in {key for key, _s, _v in adoptions_of(app, slug)}
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(adoption_id))
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action, e.reason) for e in events] == [
            ("adoption.moderate", "Rückmeldung der Stadt Bremen"), ("adoption.remove", "Dublette")]
        assert events[0].data["before"]["status"] == "in_betrieb" and events[0].data["after"]["verified"]


def test_contributor_cannot_moderate(app, client, ulm_member):
    with app.app_context():
        adoption_id = db.session.scalar(select(Adoption.id))
        slug = db.session.get(Adoption, adoption_id).case.slug
    assert client.post(f"/cases/{slug}/adoptions/{adoption_id}/remove",
                       data={"remove-reason": "weg"}).status_code == 403
    with app.app_context():
        assert db.session.get(Adoption, adoption_id) is not None


def test_stale_adoptions_are_flagged_and_confirming_refreshes(app, client, ulm_member):
    client.post(f"/cases/{CASE}/adopt", data={"status": "in_betrieb"})
    with app.app_context():
        adoption = db.session.scalar(select(Adoption).where(Adoption.source == AdoptionSource.DECLARED))
        adoption.confirmed_at = utcnow() - timedelta(days=400)
        db.session.commit()
    assert client.get(f"/api/v1/cases/{CASE}").get_json()["adopters"][0]["stale"] is True
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert "veraltet" in html and "Bitte bestätigen Sie Ihre Angabe" in html
    assert client.post(f"/cases/{CASE}/adopt/confirm").status_code == 303
    assert client.get(f"/api/v1/cases/{CASE}").get_json()["adopters"][0]["stale"] is False


def test_imported_adoptions_older_than_a_year_are_stale(app, client):
    slug = "hamburg-dipas-digitale-beteiligung"
    with app.app_context():
        for adoption in db.session.scalars(select(Adoption).join(UseCase).where(UseCase.slug == slug)):
            adoption.created_at = utcnow() - timedelta(days=366)
        db.session.commit()
    adopters = client.get(f"/api/v1/cases/{slug}").get_json()["adopters"]
    assert adopters and all(a["stale"] and not a["verified"] for a in adopters)
    assert {"name", "key", "status", "verified", "note", "stale"} <= set(adopters[0])


def test_experience_report_shown_beside_the_adopter(app, client, ulm_member):
    client.post(f"/cases/{CASE}/adopt", data={"status": "in_betrieb"})
    bad = client.post(f"/cases/{CASE}/adopt/report", data={"months_to_live": "zwölf"})
    assert bad.status_code == 400 and "ganze Zahl" in bad.get_data(as_text=True)
    response = client.post(f"/cases/{CASE}/adopt/report", data={
        "months_to_live": "9", "effort_person_days": "40", "cost_band": "10000_50000", "recommend": "ja",
        "pitfalls": "Die Beacons früh mit dem Blindenverband testen."})
    assert response.status_code == 303
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert "Erfahrungsberichte der Nachnutzer" in html and "9 Monate" in html
    assert "Die Beacons früh mit dem Blindenverband testen." in html and "10.000 bis 50.000 €" in html


def test_report_needs_an_own_adoption(client, ulm_member):
    assert client.get(f"/cases/{CASE}/adopt/report").status_code == 404


def test_cards_and_case_page_count_users_and_interest_apart(client):
    slug = "brandenburg-maerker-maengelmelder"
    body = client.get(f"/api/v1/cases/{slug}").get_json()
    users = sum(1 for a in body["adopters"] if a["status"] in ("pilot", "in_betrieb"))
    assert users and body["adopter_count"] == users
    words = f"{users} Kommunen nutzen sie" if users > 1 else "1 Kommune nutzt sie"
    assert words in client.get(f"/cases/{slug}").get_data(as_text=True)
    assert words in client.get("/cases?sort=adoption").get_data(as_text=True)


def test_declare_service_refuses_the_owner(app):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == CASE))
        owner = db.session.get(Organisation, case.owner_id)
        with pytest.raises(adoptions.AdoptionError):
            adoptions.declare(db.session, case=case, organisation=owner, status="pilot", note=None, actor=None,
                              verified=False)
