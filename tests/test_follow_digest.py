"""Follow a case, topic or municipality: updates are recorded, a daily digest mails them (at most one
a day, with unsubscribe links that work without login), and Atom feeds list them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from kb.extensions import db
from kb.models import Follow, Topic, UpdateEvent, UpdateKind, UseCase
from tests.helpers import record, signed_in, write_jsonl
from tests.mailbox import mails

NS = {"a": "http://www.w3.org/2005/Atom"}
CASE = "/cases/folge-fall"


@pytest.fixture
def case(runner, tmp_path):
    path = write_jsonl(tmp_path / "folge.jsonl", [record("folge-fall", title="Digitale Baumkontrolle",
                                                         municipality="14713000", topics=["Klima und Umwelt"])])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0


def ids(app) -> dict:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "folge-fall"))
        topic = db.session.scalar(select(Topic).where(Topic.name == "Klima und Umwelt"))
        return {"case": case.id, "topic": topic.id}


@pytest.fixture
def follower(app, make_user, case):
    _id, email, _pw = make_user("reader", email="folgt@halle.example", municipality="15002000")
    client = signed_in(app, email)
    response = client.post("/abos", data={"kind": "case", "ref": ids(app)["case"], "next": CASE})
    assert response.status_code == 303 and response.headers["Location"].endswith(CASE)
    return client, email


def declare(app, make_user, ags: str, status: str = "in_betrieb") -> str:
    _id, email, _pw = make_user("reader", municipality=ags)
    assert signed_in(app, email).post(f"{CASE}/adopt", data={"status": status}).status_code == 303
    return email


def age_follows(app, hours: int) -> None:
    """Pretend the follows (and their last digest) are ``hours`` older."""
    with app.app_context():
        for row in db.session.scalars(select(Follow)):
            row.created_at -= timedelta(hours=hours)
            if row.last_digest_at:
                row.last_digest_at -= timedelta(hours=hours)
        for event in db.session.scalars(select(UpdateEvent)):
            event.created_at -= timedelta(hours=hours)
        db.session.commit()


def test_following_shows_on_the_page_and_in_the_account(app, follower):
    client, _email = follower
    assert "Nicht mehr folgen" in client.get(CASE).get_data(as_text=True)
    page = client.get("/konto/abos").get_data(as_text=True)
    assert "Digitale Baumkontrolle" in page and 'href="/cases/folge-fall"' in page
    assert client.post("/abos/entfernen", data={"kind": "case", "ref": ids(app)["case"],
                                                "next": "/konto/abos"}).status_code == 303
    assert "Sie folgen noch nichts" in client.get("/konto/abos").get_data(as_text=True)


def test_a_new_user_status_change_and_report_reach_the_follower_in_one_digest(app, runner, make_user, follower):
    _client, email = follower
    adopter = declare(app, make_user, "16053000", "pilot")  # Jena
    adopter_client = signed_in(app, adopter)
    assert adopter_client.post(f"{CASE}/adopt", data={"status": "in_betrieb"}).status_code == 303
    assert adopter_client.post(f"{CASE}/adopt/report", data={"pitfalls": "Früh den Datenschutz fragen."}
                               ).status_code == 303
    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(select(UpdateEvent).order_by(UpdateEvent.id))]
    assert kinds == [UpdateKind.ADOPTION, UpdateKind.ADOPTION_STATUS, UpdateKind.REPORT]

    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    assert "1 gesendet mit 3 Neuigkeiten" in result.output
    (digest,) = mails(app, to=email)
    assert "Digitale Baumkontrolle" in digest.body
    assert "Jena nutzt die Lösung jetzt (Im Pilotbetrieb)" in digest.body
    assert "Jena: neuer Stand „Im Betrieb“" in digest.body and "Erfahrungsbericht" in digest.body
    assert adopter not in digest.body
    assert re.search(r"List-Unsubscribe", str(digest.headers)) and "<http://127.0.0.1:5000/abbestellen/" in \
        digest.headers["List-Unsubscribe"]

    # the same day: nothing more, even with news
    declare(app, make_user, "16051000")  # Erfurt
    assert "0 gesendet" in runner.invoke(args=["send-digests"]).output
    assert len(mails(app, to=email)) == 1
    # a day later the news of the day arrive, and only those
    age_follows(app, 21)
    runner.invoke(args=["send-digests"])
    second = mails(app, to=email)[1]
    assert "Erfurt" in second.body and "Jena" not in second.body


def test_no_news_no_mail_and_own_updates_of_unpublished_cases_stay_out(app, runner, follower):
    _client, email = follower
    assert "0 gesendet" in runner.invoke(args=["send-digests"]).output
    assert mails(app, to=email) == []


def test_unsubscribe_link_works_without_login_and_only_once(app, runner, make_user, follower):
    _client, email = follower
    declare(app, make_user, "16053000")
    runner.invoke(args=["send-digests"])
    (digest,) = mails(app, to=email)
    one = digest.link("/abbestellen/")
    anonymous = app.test_client()
    page = anonymous.get(one).get_data(as_text=True)
    assert "Möchten Sie dem nicht mehr folgen" in page and "Digitale Baumkontrolle" in page
    assert anonymous.post(one).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id))) == 0
    assert "bereits beendet" in anonymous.get(one).get_data(as_text=True)
    damaged = anonymous.get(one[:-3] + "xyz")  # e.g. cut off when copied out of the mail
    assert damaged.status_code == 404 and "Dieser Abbestell-Link ist ungültig oder unvollständig" in \
        damaged.get_data(as_text=True)


def test_the_unsubscribe_all_link_ends_every_follow(app, runner, make_user, follower):
    client, email = follower
    assert client.post("/abos", data={"kind": "topic", "ref": ids(app)["topic"], "next": "/"}).status_code == 303
    declare(app, make_user, "16053000")
    runner.invoke(args=["send-digests"])
    (digest,) = mails(app, to=email)
    everything = re.search(r"Alle Abos beenden \(ohne Anmeldung\): (\S+)", digest.body).group(1)
    path = re.sub(r"^https?://[^/]+", "", everything)
    assert "alle Ihre Abos" in app.test_client().get(path).get_data(as_text=True)
    assert "2 Abos sind beendet" in app.test_client().post(path).get_data(as_text=True)


def test_topic_and_place_follows_see_their_updates(app, runner, make_user, case):
    _id, email, _pw = make_user("reader", municipality="15002000")
    client = signed_in(app, email)
    topic_page = client.get("/cases?topic=Klima+und+Umwelt").get_data(as_text=True)
    assert "Folgen" in topic_page and "/feeds/updates.atom?topic=Klima+und+Umwelt" in topic_page
    client.post("/abos", data={"kind": "topic", "ref": ids(app)["topic"], "next": "/"})
    client.post("/abos", data={"kind": "place", "ref": "16053000", "next": "/"})  # Jena
    declare(app, make_user, "16053000")
    runner.invoke(args=["send-digests"])
    (digest,) = mails(app, to=email)
    assert "== Thema „Klima und Umwelt“ ==" in digest.body and "== Jena ==" in digest.body


@pytest.mark.parametrize("kind, ref", [("case", "999999"), ("topic", "abc"), ("place", "99999999"),
                                       ("need", "1"), ("unsinn", "1")])
def test_following_something_that_does_not_exist_is_refused(app, make_user, kind, ref):
    _id, email, _pw = make_user("reader")
    response = signed_in(app, email).post("/abos", data={"kind": kind, "ref": ref, "next": "/"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id))) == 0


def test_following_is_rate_limited(app, make_user, case):
    app.config["KB_FOLLOW_PER_HOUR"] = 2
    _id, email, _pw = make_user("reader")
    client = signed_in(app, email)
    with app.app_context():
        topics = list(db.session.scalars(select(Topic.id).order_by(Topic.id).limit(3)))
    codes = [client.post("/abos", data={"kind": "topic", "ref": t, "next": "/"}).status_code for t in topics]
    assert codes == [303, 303, 429]
    # following again what one already follows is not counted and not refused
    assert client.post("/abos", data={"kind": "topic", "ref": topics[0], "next": "/"}).status_code == 303


def feed(client, query: str = "") -> ET.Element:
    response = client.get(f"/feeds/updates.atom{query}")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def test_update_feeds_list_updates_not_only_new_cases(app, client, make_user, case):
    declare(app, make_user, "16053000")
    with app.app_context():
        db.session.execute(update(UseCase).where(UseCase.slug == "folge-fall").values(title="Baumkontrolle 2.0"))
        db.session.commit()
    for query in ("", "?case=folge-fall", "?topic=Klima+und+Umwelt", "?municipality=16053000",
                  "?municipality=14713000", "?municipality=14612"):
        root = feed(client, query)
        entries = root.findall("a:entry", NS)
        summaries = [e.find("a:summary", NS).text for e in entries]
        if query == "?municipality=14612":  # Dresden's Kreis: nothing happened there
            assert summaries == []
            continue
        assert "Jena nutzt die Lösung jetzt (Im Betrieb)." in summaries, query
        assert entries[0].find("a:link", NS).get("href") == "http://127.0.0.1:5000/cases/folge-fall"
        assert root.find("a:link[@rel='self']", NS).get("href").startswith("http://127.0.0.1:5000/feeds/updates.atom")
    for query in ("?case=gibt-es-nicht", "?topic=Unsinn", "?municipality=00000000", "?bedarf=abc"):
        assert client.get(f"/feeds/updates.atom{query}").status_code == 404


def test_updates_of_unpublished_cases_never_show(app, client, make_user, case):
    declare(app, make_user, "16053000")
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "folge-fall"))
        from kb.models import ModerationState

        case.moderation = ModerationState.DRAFT
        db.session.commit()
    assert feed(client).findall("a:entry", NS) == []
    assert client.get("/feeds/updates.atom?case=folge-fall").status_code == 404
