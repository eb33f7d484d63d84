"""Several gunicorn workers under concurrent submissions, adoptions, moderation and imports.

Runs on the database of the current pass (SQLite + Whoosh, or PostgreSQL + PostgreSQL search):
nothing submitted is lost, no request fails with a server error or a lock error, and the
search index agrees with the database afterwards (``check-index``).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Adoption, ModerationState, Organisation, Role, UseCase, User
from kb.services.accounts import api_tokens
from kb.services.accounts import users as accounts
from tests.helpers import FORM_CONTACT_AND_REUSE, record, write_jsonl
from tests.server_support import WebClient

PASSWORD = "geheim-passwort-1"
# eight contributors: six municipalities, and two members of Ulm declaring the same adoption
MUNICIPALITIES = ["08421000", "08421000", "09162000", "05315000", "06412000", "14612000", "01002000", "03241001"]
SUBMISSIONS_EACH = 3


def _prepare(app) -> dict:
    with app.app_context():
        for i, key in enumerate(MUNICIPALITIES):
            accounts.create_user(db.session, email=f"autor{i}@example.org", password=PASSWORD,
                                 role=Role.CONTRIBUTOR, municipality=key, confirmed=True)
        for i in range(2):
            accounts.create_user(db.session, email=f"moderation{i}@example.org", password=PASSWORD,
                                 role=Role.MODERATOR, confirmed=True)
        owners = set(db.session.scalars(select(Organisation.id).where(
            Organisation.municipality_ags.in_(MUNICIPALITIES))))
        target = db.session.scalar(select(UseCase).where(UseCase.moderation == ModerationState.PUBLISHED,
                                                          UseCase.owner_id.not_in(owners)).order_by(UseCase.id))
        _token, plain = api_tokens.create_token(db.session, organisation_text="08421000", name="Lasttest")
        return {"adopt": target.slug, "token": plain}


class Recorder:
    """Collects every HTTP status and every exception of the worker threads."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def note(self, response: requests.Response, what: str) -> requests.Response:
        with self._lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.errors.append(f"{what}: {response.status_code} {response.text[:300]}")
        return response

    def failed(self, what: str, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(f"{what}: {exc!r}")


def _contributor(url: str, i: int, adopt: str, rec: Recorder) -> None:
    try:
        web = WebClient(url)
        web.login(f"autor{i}@example.org", PASSWORD)
        for k in range(SUBMISSIONS_EACH):
            data = {"action": "submit", "title": "Gemeinsame Terminvergabe", "owner_kind": "municipality",
                    "municipality": MUNICIPALITIES[i], "summary": f"Einreichung {k} von Autor {i}.",
                    "description": "Online-Termine für das Bürgeramt.", "topics": "Bürgerservice",
                    "status": "in_betrieb", **FORM_CONTACT_AND_REUSE}
            response = rec.note(web.post_form("/cases/new", data), "submit")
            assert response.status_code == 303, response.text[:500]
            rec.note(web.post_form(f"/cases/{adopt}/adopt", {"status": "in_betrieb", "note": f"Autor {i}"}),
                     "adopt")
    except BaseException as exc:  # noqa: BLE001
        rec.failed(f"contributor {i}", exc)


def _moderator(url: str, i: int, app, stop: threading.Event, rec: Recorder) -> None:
    """Publish whatever waits, racing the other moderator for the same cases."""
    try:
        web = WebClient(url)
        web.login(f"moderation{i}@example.org", PASSWORD)
        while True:
            with app.app_context():
                waiting = list(db.session.scalars(select(UseCase.slug).where(
                    UseCase.moderation == ModerationState.SUBMITTED).order_by(UseCase.id)))
                db.session.remove()
            if not waiting:
                if stop.is_set():
                    return
                stop.wait(0.1)  # poll like a person, not in a loop that takes a core from the workers
                continue
            for slug in waiting[::-1] if i else waiting:
                response = rec.note(web.post_form(f"/moderation/{slug}", {"decision": "publish", "reason": ""}),
                                    "publish")
                assert response.status_code in (303, 409, 404), response.text[:500]
    except BaseException as exc:  # noqa: BLE001
        rec.failed(f"moderator {i}", exc)


def _api_importer(url: str, token: str, i: int, rec: Recorder) -> None:
    try:
        for k in range(5):
            body = record("gemeinsamer-import", title=f"Import {i}.{k}", municipality=None)
            response = rec.note(requests.post(url + "/api/v1/cases", json=body, timeout=120,
                                              headers={"Authorization": f"Bearer {token}"}), "api")
            assert response.status_code in (202, 409), response.text[:500]
    except BaseException as exc:  # noqa: BLE001
        rec.failed(f"api {i}", exc)


def test_eight_contributors_on_four_workers(instance, tmp_path):
    app = instance.app()
    prepared = _prepare(app)
    imports = [write_jsonl(tmp_path / f"import{n}.jsonl",
                           [record(f"parallel-import-{k}", title=f"Paralleler Import {k} aus Lauf {n}")
                            for k in range(10)]) for n in range(2)]
    rec = Recorder()
    stop = threading.Event()
    with instance.gunicorn(workers=4) as server, ThreadPoolExecutor(max_workers=16) as pool:
        moderators = [pool.submit(_moderator, server.url, i, app, stop, rec) for i in range(2)]
        work = [pool.submit(_contributor, server.url, i, prepared["adopt"], rec) for i in range(len(MUNICIPALITIES))]
        work += [pool.submit(_api_importer, server.url, prepared["token"], i, rec) for i in range(2)]
        cli = [pool.submit(instance.flask, "import-cases", str(path)) for path in imports]
        for future in work:
            future.result()
        cli_results = [future.result() for future in cli]
        stop.set()
        for future in moderators:
            future.result()
        log = server.log

    assert not rec.errors, "\n".join(rec.errors[:10])
    assert all(status < 500 for status in rec.statuses), rec.statuses
    for result in cli_results:
        assert result.returncode == 0, result.stderr[-2000:]
    gunicorn_log = log.read_text()
    for problem in ("Traceback", "database is locked", "deadlock", "could not serialize"):
        assert problem not in gunicorn_log, gunicorn_log[-3000:]

    with app.app_context():
        authored = dict(db.session.execute(
            select(User.email, func.count(UseCase.id)).join(UseCase, UseCase.author_id == User.id)
            .where(User.email.like("autor%")).group_by(User.email)).all())
        assert authored == {f"autor{i}@example.org": SUBMISSIONS_EACH for i in range(len(MUNICIPALITIES))}
        slugs = list(db.session.scalars(select(UseCase.slug).where(UseCase.title == "Gemeinsame Terminvergabe")))
        assert len(slugs) == len(set(slugs)) == SUBMISSIONS_EACH * len(MUNICIPALITIES)
        waiting = db.session.scalar(select(func.count()).where(UseCase.moderation == ModerationState.SUBMITTED,
                                                               UseCase.title == "Gemeinsame Terminvergabe"))
        assert waiting == 0
        target = db.session.scalar(select(UseCase).where(UseCase.slug == prepared["adopt"]))
        adopters = Counter(a.organisation.key for a in db.session.scalars(
            select(Adoption).where(Adoption.case_id == target.id)))
        for key in set(MUNICIPALITIES):
            assert adopters[key] == 1, key
        assert db.session.scalar(select(func.count()).where(UseCase.slug.like("parallel-import-%"))) == 10
        assert db.session.scalar(select(func.count()).where(UseCase.slug == "gemeinsamer-import")) == 1

    check = instance.flask("check-index")
    assert check.returncode == 0, check.stdout + check.stderr
