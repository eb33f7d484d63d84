"""The empty submission form is kept per process (kb.web.page_parts.stored_part): every member still
gets byte for byte the form rendered afresh – in their language, with their own organisation as the
owner, their own form token and the topics as they are now."""

from __future__ import annotations

import re

import pytest

from kb.extensions import db
from kb.models import Organisation, Topic, User
from kb.views.submission import views as submission_views
from tests.helpers import signed_in

EN = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
ORGANISATION = 'Verband & "Partner" <Nord>'


def tokens(html: str) -> set[str]:
    return {a or b for a, b in TOKEN.findall(html)}


def masked(html: str) -> str:
    """The page without its form tokens (they are signed with the time of the request)."""
    for token in tokens(html):
        html = html.replace(token, "TOKEN")
    return html


def afresh(client, monkeypatch, headers=None) -> str:
    """The form page rendered without the store, as the edit and a re-shown form are."""
    with monkeypatch.context() as patch:
        patch.setattr(submission_views, "blank_form", lambda _form: None)
        return client.get("/cases/new", headers=headers).get_data(as_text=True)


@pytest.fixture
def members(csrf_app, make_user):
    """Signed-in members: of Ulm, of an organisation outside the registry (with a web address), of none."""
    make_user("contributor", email="ulm@example.org", municipality="08421000")
    make_user("contributor", email="verband@example.org", organisation=ORGANISATION)
    make_user("contributor", email="ohne@example.org")
    with csrf_app.app_context():
        user = db.session.scalars(db.select(User).where(User.email == "verband@example.org")).one()
        db.session.get(Organisation, user.organisation_id).uri = "https://verband.example/?a=1&b='2'"
        db.session.commit()
    return {name: _signed_in(csrf_app, f"{name}@example.org") for name in ("ulm", "verband", "ohne")}


def _signed_in(app, email: str):
    app.config["WTF_CSRF_ENABLED"] = False  # the sign-in only; the forms are rendered with tokens
    client = signed_in(app, email)
    app.config["WTF_CSRF_ENABLED"] = True
    client.get("/")  # the "Sie sind angemeldet" notice
    return client


@pytest.mark.parametrize("headers", [None, EN], ids=["de", "en"])
def test_the_kept_form_is_the_form_rendered_afresh(members, monkeypatch, headers):
    for name, client in members.items():
        first, again = (client.get("/cases/new", headers=headers).get_data(as_text=True) for _ in range(2))
        assert masked(first) == masked(again) == masked(afresh(client, monkeypatch, headers)), name
    assert ("Neue Lösung beschreiben" if headers is None else "Describe a new solution") in first


def test_each_member_gets_their_own_owner_and_form_token(members):
    pages = {name: client.get("/cases/new").get_data(as_text=True) for name, client in members.items()}
    pages["ulm again"] = members["ulm"].get("/cases/new").get_data(as_text=True)
    assert 'value="Ulm (08421000)"' in pages["ulm"] and 'value="Ulm (08421000)"' in pages["ulm again"]
    assert 'value="Verband &amp; &#34;Partner&#34; &lt;Nord&gt;"' in pages["verband"]
    assert 'value="https://verband.example/?a=1&amp;b=&#39;2&#39;"' in pages["verband"]
    assert 'id="municipality" name="municipality" type="text" value=""' in pages["ohne"]
    assert "Partner&#34;" not in pages["ulm"] + pages["ohne"] and "Ulm (" not in pages["verband"] + pages["ohne"]
    assert "verband.example" not in pages["ulm"] + pages["ohne"]
    assert 'value="organisation" checked' in pages["verband"] and 'value="municipality" checked' in pages["ohne"]
    own = {name: tokens(page) for name, page in pages.items()}
    assert all(len(found) == 1 and "kb-part" not in next(iter(found)) for found in own.values())  # header = form
    assert len(set().union(*(own[name] for name in ("ulm", "verband", "ohne")))) == 3
    assert "kb-part" not in "".join(pages.values())


def test_the_kept_form_lists_the_topics_as_they_are_now(csrf_app, members, monkeypatch):
    client = members["ulm"]
    before = client.get("/cases/new").get_data(as_text=True)
    with csrf_app.app_context():
        db.session.add(Topic(name="Friedhofswesen", slug="friedhofswesen", position=0))
        db.session.commit()
    after = client.get("/cases/new").get_data(as_text=True)
    assert 'value="Friedhofswesen"' not in before and 'value="Friedhofswesen"' in after
    assert masked(after) == masked(afresh(client, monkeypatch))


def test_a_form_shown_again_keeps_what_was_entered_and_its_errors(members):
    client = members["ulm"]
    client.get("/cases/new")  # the empty form is kept now
    token = tokens(client.get("/cases/new").get_data(as_text=True)).pop()
    shown = client.post("/cases/new", data={"csrf_token": token, "action": "submit", "title": "Mein Titel",
                                            "municipality": "Kleinstadt am See"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 400 and 'value="Mein Titel"' in html and 'value="Kleinstadt am See"' in html
    assert 'id="error-summary"' in html and 'value="Ulm (08421000)"' not in html
