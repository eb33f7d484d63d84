"""Needs ("Bedarf melden") and Mitmachen: post → moderate → listed at /bedarfe and on the
municipality page → others join → everyone sees everyone and can write to all; interest pools of
cases grouped by Land and size; a newly published matching case reaches the need's followers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import AdoptionProposal, Need, NeedMember, UpdateEvent, UpdateKind, UseCase, User
from tests.helpers import record, signed_in, write_jsonl
from tests.mailbox import mails

NEED = {"title": "Digitale Vergabe von Kita-Plätzen", "problem": "Eltern melden sich heute bei jeder Kita "
        "einzeln an.\nWir suchen ein gemeinsames Portal.", "topic": "Bildung", "budget": "bis 40.000 €",
        "timeline": "2027"}


@pytest.fixture
def people(make_user):
    """Authors in Jena and Erfurt (Thüringen), Ulm (Baden-Württemberg) and a moderator."""
    made = {}
    for key, ags in (("jena", "16053000"), ("erfurt", "16051000"), ("ulm", "08421000")):
        _id, email, _pw = make_user("reader", email=f"{key}@{key}.example", municipality=ags)
        made[key] = email
    _id, made["moderator"], _pw = make_user("moderator", email="mod@praxisatlas.example")
    return made


def post_need(app, email: str, **changes) -> int:
    client = signed_in(app, email)
    response = client.post("/bedarfe/neu", data={**NEED, **changes})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def publish(app, moderator: str, need_id: int) -> None:
    response = signed_in(app, moderator).post(f"/moderation/bedarfe/{need_id}", data={"decision": "publish"})
    assert response.status_code == 303


def test_a_need_is_moderated_then_listed_searchable_and_on_the_municipality_page(app, client, people):
    need_id = post_need(app, people["jena"])
    empty = client.get("/bedarfe").get_data(as_text=True)
    assert "Kita-Plätzen" not in empty and "Noch hat keine Kommune einen Bedarf gemeldet" in empty
    assert "need-filter-heading" not in empty  # no filter form beside an empty board
    assert client.get(f"/bedarfe/{need_id}").status_code == 404  # not yet public
    author_view = signed_in(app, people["jena"]).get(f"/bedarfe/{need_id}").get_data(as_text=True)
    assert "nur für Sie und die Moderation sichtbar" in author_view
    moderator = signed_in(app, people["moderator"])
    assert f'href="/moderation/bedarfe/{need_id}"' in moderator.get("/moderation").get_data(as_text=True)
    assert "Neuer Bedarf in der Moderation" in mails(app, to=people["moderator"])[0].subject

    assert "Kita-Plätzen" not in client.get("/municipalities/16053000").get_data(as_text=True)
    publish(app, people["moderator"], need_id)
    assert "veröffentlicht" in mails(app, to=people["jena"])[0].subject
    board = client.get("/bedarfe").get_data(as_text=True)
    assert "Digitale Vergabe von Kita-Plätzen" in board and "Jena" in board
    assert "Kita-Plätzen" in client.get("/bedarfe?q=kita+portal").get_data(as_text=True)
    assert "Kita-Plätzen" not in client.get("/bedarfe?q=Radweg").get_data(as_text=True)
    assert "Kita-Plätzen" in client.get("/bedarfe?topic=Bildung&state=Thüringen").get_data(as_text=True)
    no_match = client.get("/bedarfe?state=Bayern").get_data(as_text=True)
    assert "Kita-Plätzen" not in no_match and "Kein offener Bedarf passt zu diesen Filtern" in no_match
    assert "need-filter-heading" in board and "need-filter-heading" in no_match  # filters to change
    assert "Kita-Plätzen" in client.get("/municipalities/16053000").get_data(as_text=True)
    page = client.get(f"/bedarfe/{need_id}").get_data(as_text=True)
    assert "bis 40.000 €" in page and "Wer braucht das auch?" in page and people["jena"] not in page


def test_a_second_and_third_municipality_join_and_see_each_other_grouped_by_land_and_size(app, client, people):
    need_id = post_need(app, people["jena"])
    publish(app, people["moderator"], need_id)
    for key in ("erfurt", "ulm"):
        response = signed_in(app, people[key]).post(f"/bedarfe/{need_id}/mitmachen")
        assert response.status_code == 303
    page = signed_in(app, people["jena"]).get(f"/bedarfe/{need_id}").get_data(as_text=True)
    pool = page.split('id="wer-noch"')[1]
    assert pool.index("Baden-Württemberg") < pool.index("Thüringen")  # by Land, alphabetically
    thueringen = pool[pool.index("Thüringen"):]
    assert "100.000 Einwohner" in thueringen and "Erfurt" in thueringen and "Jena" in thueringen
    assert "3 Kommunen haben diesen Bedarf" in page
    erfurt = client.get("/municipalities/16051000").get_data(as_text=True).split('id="place-needs-heading"')[1]
    assert "Kita-Plätzen" in erfurt and "Erfurt braucht das auch" in erfurt
    # everyone in it can write to all others; addresses stay hidden
    response = signed_in(app, people["erfurt"]).post(f"/bedarfe/{need_id}/kontakt", data={
        "subject": "Gemeinsam ausschreiben?", "message": "Wollen wir zusammen beschaffen?"})
    assert response.status_code == 303
    assert {m.to for m in mails(app) if "Gemeinsam ausschreiben?" in m.subject} == {people["jena"], people["ulm"]}
    assert all(m.reply_to == people["erfurt"] for m in mails(app) if "Gemeinsam" in m.subject)
    # joining twice changes nothing; leaving works; the author's municipality cannot leave its own need
    signed_in(app, people["ulm"]).post(f"/bedarfe/{need_id}/mitmachen")
    with app.app_context():
        assert db.session.scalar(select(func.count(NeedMember.id))) == 2
    assert signed_in(app, people["ulm"]).post(f"/bedarfe/{need_id}/austreten").status_code == 303
    assert signed_in(app, people["jena"]).post(f"/bedarfe/{need_id}/mitmachen").status_code == 403


def test_only_members_of_a_need_may_write_to_all(app, people):
    need_id = post_need(app, people["jena"])
    publish(app, people["moderator"], need_id)
    response = signed_in(app, people["ulm"]).post(f"/bedarfe/{need_id}/kontakt", data={"subject": "S",
                                                                                      "message": "M"})
    assert response.status_code == 403 and mails(app, to=people["jena"])[1:] == []


@pytest.mark.parametrize("changes, field", [({"title": ""}, "title"), ({"problem": " "}, "problem"),
                                            ({"topic": "Unsinn"}, "topic"), ({"budget": "x" * 201}, "budget")])
def test_bad_needs_are_refused_with_a_field_error(app, people, changes, field):
    response = signed_in(app, people["jena"]).post("/bedarfe/neu", data={**NEED, **changes})
    assert response.status_code == 400 and f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Need.id))) == 0


def test_a_member_without_municipality_cannot_post_and_a_rejection_needs_a_reason(app, make_user, people):
    _id, email, _pw = make_user("reader")
    response = signed_in(app, email).post("/bedarfe/neu", data=NEED)
    assert response.status_code == 403 and "keiner Kommune" in response.get_data(as_text=True)
    need_id = post_need(app, people["jena"])
    moderator = signed_in(app, people["moderator"])
    response = moderator.post(f"/moderation/bedarfe/{need_id}", data={"decision": "reject"})
    assert response.status_code == 400 and 'id="reason-error"' in response.get_data(as_text=True)
    moderator.post(f"/moderation/bedarfe/{need_id}", data={"decision": "reject", "reason": "Bitte konkreter."})
    assert "Bitte konkreter." in mails(app, to=people["jena"])[-1].body
    assert moderator.post(f"/moderation/bedarfe/{need_id}", data={"decision": "publish"}).status_code == 409


KITA_CASE = {"title": "Kita-Portal für die digitale Vergabe von Kita-Plätzen", "owner_kind": "municipality",
             "summary": "Eltern bewerben sich online um Kita-Plätze.", "municipality": "Ulm (08421000)",
             "description": "## Lösung\n\nEin Portal für alle Kitas der Stadt.", "topics": ["Bildung"],
             "status": "in_betrieb", "contact_name": "Jugendamt", "contact_url": "https://example.org/kita",
             "reuse": "Ein Konto beim Portalbetreiber.", "action": "submit"}


def match_mails(app, email: str):
    return [m for m in mails(app, to=email) if "passt zu Ihrem Bedarf" in m.subject]


def test_a_case_published_by_the_moderation_that_matches_an_open_need_is_mailed_at_once(app, runner, make_user,
                                                                                        people):
    need_id = post_need(app, people["jena"])
    publish(app, people["moderator"], need_id)
    signed_in(app, people["erfurt"]).post(f"/bedarfe/{need_id}/mitmachen")
    _id, author, _pw = make_user("contributor", email="kita@ulm.example", municipality="08421000")
    assert signed_in(app, author).post("/cases/new", data=KITA_CASE).status_code == 303
    slug = "kita-portal-fuer-die-digitale-vergabe-von-kita-plaetzen"
    assert match_mails(app, people["jena"]) == []  # submitted is not published
    moderator = signed_in(app, people["moderator"])
    assert moderator.post(f"/moderation/{slug}", data={"decision": "publish"}).status_code == 303
    for email, other in ((people["jena"], people["erfurt"]), (people["erfurt"], people["jena"])):
        (mail,) = match_mails(app, email)  # at once, without the daily digest
        assert "Digitale Vergabe von Kita-Plätzen" in mail.subject and f"/cases/{slug}" in mail.body
        assert other not in mail.body and author not in mail.body and mail.to == email
        assert mail.headers["List-Unsubscribe"].strip("<>").endswith(mail.link("/abbestellen/"))
    # the digest keeps to ordinary events (Erfurt joined) and does not repeat the match
    result = runner.invoke(args=["send-digests"])
    assert "0 neue Treffer" in result.output, result.output
    (digest,) = [m for m in mails(app, to=people["jena"]) if "Neues bei dem" in m.subject]
    assert "Erfurt hat denselben Bedarf" in digest.body and "passt zu diesem Bedarf" not in digest.body, digest.body
    runner.invoke(args=["send-digests"])
    assert len([m for m in mails(app, to=people["jena"]) if "Neues bei dem" in m.subject]) == 1  # one a day
    # the mail's unsubscribe link ends that follow without login
    unsubscribe = match_mails(app, people["erfurt"])[0].link("/abbestellen/")
    assert app.test_client().post(unsubscribe).status_code == 200
    assert "bereits beendet" in app.test_client().get(unsubscribe).get_data(as_text=True)


def test_imported_cases_are_matched_once_and_unrelated_ones_mail_nobody(app, runner, tmp_path, people):
    need_id = post_need(app, people["jena"])
    publish(app, people["moderator"], need_id)
    path = write_jsonl(tmp_path / "kita.jsonl", [
        record("kita-portal", title="Kita-Portal für die digitale Vergabe von Kita-Plätzen", topics=["Bildung"],
               summary="Eltern bewerben sich online um Kita-Plätze."),
        record("kita-fremd", title="Kita-Portal ohne Bezug", topics=["Mobilität"]),
        record("schulweg", title="Sichere Schulwege melden", topics=["Bildung"])])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0 and "1 neue Lösungen passen zu offenen Bedarfen" in result.output, result.output
    (mail,) = match_mails(app, people["jena"])
    assert "Kita-Portal für die digitale Vergabe" in mail.body and "ohne Bezug" not in mail.body
    with app.app_context():
        (match,) = db.session.scalars(select(UpdateEvent).where(UpdateEvent.kind == UpdateKind.NEED_MATCH))
        assert match.case.slug == "kita-portal"
    assert "0 neue Treffer" in runner.invoke(args=["send-digests"]).output  # never twice
    assert len(match_mails(app, people["jena"])) == 1


def test_interest_pool_of_a_case_groups_and_lets_members_write_to_all(app, client, people):
    slug = "hamburg-masterportal-geoportal"
    for key in ("jena", "erfurt", "ulm"):
        assert signed_in(app, people[key]).post(f"/cases/{slug}/mitmachen").status_code == 303
    page = client.get(f"/cases/{slug}/mitmachen").get_data(as_text=True)
    assert "Thüringen" in page and "Baden-Württemberg" in page and "Anmelden und mitmachen" in page
    assert people["ulm"] not in page
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        statuses = {a.organisation.name: a.status.value for a in case.adoptions}
    assert statuses["Jena"] == "interessiert"
    assert "3 Kommunen interessieren sich" in client.get(f"/cases/{slug}").get_data(as_text=True)
    response = signed_in(app, people["jena"]).post(f"/cases/{slug}/mitmachen/kontakt", data={
        "subject": "Gemeinsam einführen?", "message": "Hallo zusammen"})
    assert response.status_code == 303
    assert {m.to for m in mails(app) if "Gemeinsam einführen?" in m.subject} == {people["erfurt"], people["ulm"]}
    with app.app_context():
        outsider = db.session.scalar(select(User).where(User.email == people["moderator"])).email
    assert signed_in(app, outsider).post(f"/cases/{slug}/mitmachen/kontakt",
                                         data={"subject": "S", "message": "M"}).status_code == 403


def test_a_municipality_that_uses_the_case_cannot_downgrade_to_interest(app, people):
    slug = "hamburg-masterportal-geoportal"
    signed_in(app, people["jena"]).post(f"/cases/{slug}/adopt", data={"status": "in_betrieb"})
    response = signed_in(app, people["jena"]).post(f"/cases/{slug}/mitmachen")
    assert response.status_code == 403 and "nutzt die Lösung bereits" in response.get_data(as_text=True)


def test_an_unconfirmed_member_joining_a_pool_is_held_for_moderation(app, make_user):
    slug = "hamburg-masterportal-geoportal"
    _id, email, _pw = make_user("reader", email="neu@gotha.example", municipality="16067029")
    with app.app_context():
        db.session.get(User, _id).membership_verified_at = None
        db.session.commit()
    response = signed_in(app, email).post(f"/cases/{slug}/mitmachen", follow_redirects=True)
    assert "wartet auf die Moderation" in response.get_data(as_text=True)
    with app.app_context():
        proposal = db.session.scalar(select(AdoptionProposal).where(AdoptionProposal.author_id == _id))
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        assert proposal.state.value == "pending" and proposal.organisation.name == "Gotha"
        assert "Gotha" not in {a.organisation.name for a in case.adoptions}


def test_an_unconfirmed_member_cannot_say_wir_auch_for_a_municipality_it_may_not_belong_to(app, people,
                                                                                            make_user):
    need_id = post_need(app, people["jena"])
    publish(app, people["moderator"], need_id)
    _id, email, _pw = make_user("reader", email="neu@gotha.example", municipality="16067029")
    with app.app_context():
        db.session.get(User, _id).membership_verified_at = None
        db.session.commit()
    member = signed_in(app, email)
    page = member.get(f"/bedarfe/{need_id}").get_data(as_text=True)
    assert "Zugehörigkeit zu Gotha ist noch nicht bestätigt" in page and "Wir auch</span>" not in page
    response = member.post(f"/bedarfe/{need_id}/mitmachen")
    assert response.status_code == 403 and "noch nicht bestätigt" in response.get_data(as_text=True)
    assert member.get(f"/bedarfe/{need_id}/kontakt").status_code == 403  # nor write to everyone in it
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NeedMember)
                                 .where(NeedMember.need_id == need_id)) == 0
        db.session.get(User, _id).membership_verified_at = func.now()  # confirmed by the administration
        db.session.commit()
    assert member.post(f"/bedarfe/{need_id}/mitmachen").status_code == 303
    assert "Gotha" in member.get(f"/bedarfe/{need_id}").get_data(as_text=True).split('id="wer-noch"')[1]


def test_start_page_and_search_lead_to_the_needs_with_and_without_hits(client):
    start = client.get("/").get_data(as_text=True)
    entry = start.split('id="entry-heading"')[1].split("</section>")[0]
    assert "Nichts gefunden? Bedarf melden" in entry  # the form itself, and the board
    assert 'href="/bedarfe/neu"' in entry and 'href="/bedarfe"' in entry and 'href="/teilen"' in entry
    empty = client.get("/search?q=Friedhofsverwaltung").get_data(as_text=True)
    assert "Keine passende Lösung gefunden" in empty and "Nichts gefunden? Bedarf melden" in empty
    assert 'href="/bedarfe/neu?title=Friedhofsverwaltung"' in empty
    hits = client.get("/search?q=Chatbot").get_data(as_text=True)
    assert "Keine passende Lösung gefunden" not in hits
    assert 'href="/bedarfe/neu?title=Chatbot"' in hits and 'href="/bedarfe?q=Chatbot"' in hits
