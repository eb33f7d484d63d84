"""Stored answers shared by the processes of one server (kb.web.shared_answers): a page one gunicorn
worker rendered is answered by the others, with each visitor's own form token, and never after a
change it does not show."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from kb import create_app
from kb.web.shared_answers import SharedAnswers, StoredAnswer
from tests import dbprovision
from tests.helpers import signed_in

CASE = "kaiserslautern-lotsensystem-sehbehinderung"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def workers(app):
    """Two more apps on the same database and data directory, with form tokens checked: two workers."""
    settings = dbprovision.settings(Path(app.config["KB_DATA_DIR"]), app.config["SQLALCHEMY_DATABASE_URI"])
    started = [create_app({**settings, "WTF_CSRF_ENABLED": True}) for _ in range(2)]
    yield started
    for worker in started:
        dbprovision.dispose(worker)


@pytest.fixture
def loads(case_page_loads) -> list[str]:
    """The slugs of the case pages rendered (not answered from a store) from now on."""
    return case_page_loads


def test_a_page_one_worker_rendered_is_answered_by_the_other(workers, loads):
    first, second = workers
    assert first.test_client().get(f"/cases/{CASE}").status_code == 200
    assert loads == [CASE]
    visitor = second.test_client()
    page = visitor.get(f"/cases/{CASE}").get_data(as_text=True)
    assert loads == [CASE], "the second worker answered from the shared store"
    token = TOKEN.search(page).group(1)
    assert "kb-form-token" not in page
    added = visitor.post("/merkliste", data={"case": CASE, "csrf_token": token})
    assert added.status_code in (302, 303), "the form token in the shared page is this visitor's own"


def test_a_change_renews_the_shared_page_in_every_worker(app, workers, loads, make_user):
    first, second = workers
    for worker in (first, second):
        worker.test_client().get(f"/cases/{CASE}")
    assert loads == [CASE]
    make_user("contributor", email="ulm@example.org", municipality="08421000")
    member = signed_in(app, "ulm@example.org")
    declared = member.post(f"/cases/{CASE}/adopt", data={"status": "in_betrieb"})
    assert declared.status_code in (302, 303)
    loads.clear()
    after = second.test_client().get(f"/cases/{CASE}").get_data(as_text=True)
    assert loads == [CASE] and "Ulm" in after
    first.test_client().get(f"/cases/{CASE}")
    assert loads == [CASE], "the page the second worker rendered anew is the first one's too"


def test_old_and_surplus_answers_are_removed(tmp_path):
    store = SharedAnswers(tmp_path, max_age=60, limit=3)
    for n in range(5):
        store.put(f"k{n}", StoredAnswer(200, (("Content-Type", "text/html"),), b"<p>%d</p>" % n, False, b"x",
                                        time.time()))
        os.utime(tmp_path / f"k{n}", (time.time() - 10 + n, time.time() - 10 + n))
    old = tmp_path / "k1"
    head = json.loads(old.read_bytes().split(b"\n", 1)[0])
    old.write_bytes(json.dumps({**head, "at": time.time() - 120}).encode() + b"\n<p>1</p>")
    os.utime(old, (time.time() - 120, time.time() - 120))
    assert store.get("k1") is None, "older than max_age: not answered"
    assert store.get("k4").body == b"<p>4</p>"
    (tmp_path / ".tmp-half").write_bytes(b"{")
    os.utime(tmp_path / ".tmp-half", (time.time() - 600, time.time() - 600))
    store.prune()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k2", "k3", "k4"]


def test_a_counter_that_comes_again_after_a_restore_gives_another_token(app):
    """Stored answers outlive a process; after a restore of an older backup the case page counters may
    take the same numbers again for other data – the time they moved is part of the token."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from kb.extensions import db
    from kb.models import AppSetting
    from kb.services import generation

    with app.app_context():
        generation.bump(db.session)
        db.session.commit()
        before = generation.case_page_token(db.session, CASE)
        db.session.rollback()
        # as a restore would leave it: the same number, another time (written past the listeners that
        # would count the write itself as a change)
        stmt = update(AppSetting).where(AppSetting.key == generation.CASE_PAGES_KEY).values(
            updated_at=datetime(2031, 1, 1, tzinfo=UTC))
        compiled = stmt.compile(dialect=db.engine.dialect)
        raw = db.session.connection().connection.driver_connection
        params = compiled.construct_params()
        if db.engine.dialect.paramstyle == "qmark":
            raw.execute(str(compiled), [params[name] for name in compiled.positiontup])
        else:
            raw.execute(str(compiled), params)
        db.session.commit()
        assert generation.case_page_token(db.session, CASE) != before


def test_only_answers_under_a_lasting_token_are_shared(workers):
    """A page kept per data generation (search, start page) is not written for the other workers: the
    next adoption ends it anyway, and writing every such page cost a twentieth of the server's CPU."""
    first, _second = workers
    answers = Path(first.config["KB_DATA_DIR"]) / "answers"
    client = first.test_client()
    for path in ("/search?q=Chatbot", "/", "/search?q=Radweg"):
        assert client.get(path).status_code == 200
    assert [p for p in answers.iterdir() if not p.name.startswith(".")] == []
    client.get(f"/cases/{CASE}")
    assert len([p for p in answers.iterdir() if not p.name.startswith(".")]) == 1
