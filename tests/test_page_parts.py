"""The site header and footer are kept per process (kb.web.page_parts): each page still shows the
header of its own language, page, account and role, with the visitor's own form token and path."""

from __future__ import annotations

import re

from sqlalchemy import update

from kb.extensions import db
from kb.models import Role, User
from tests.helpers import signed_in, without_form_tokens

CASE = "leipzig-ki-chatbot-buergerservice"
OTHER = "leipzig-ki-anonymisierung-dokumente"
EN = {"Accept-Language": "en"}


def header(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<header class="site-header">'):html.index("</header>")]


def footer(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<footer class="site-footer">'):html.index("</footer>")]


def current_link(part: str) -> str:
    return re.search(r'href="([^"]+)" aria-current="page"', part).group(1)


def test_the_header_follows_language_page_and_path(client):
    german = client.get(f"/cases/{CASE}")
    english = client.get(f"/cases/{OTHER}", headers=EN)
    again = client.get(f"/cases/{CASE}")
    for response, slug in ((german, CASE), (english, OTHER), (again, CASE)):
        assert f'name="next" value="/cases/{slug}">' in header(response)  # back here after switching
    assert "Anmelden" in header(german) and "Sign in" in header(english)
    assert without_form_tokens(header(again)) == without_form_tokens(header(german))
    assert "Impressum" in footer(german) and "Legal notice" in footer(english)
    statistics, start = client.get("/statistik"), client.get("/")
    assert current_link(header(statistics)) == "/statistik" and current_link(header(start)) == "/"
    assert 'id="site-search-q"' in header(statistics) and 'id="site-search-q"' not in header(start)


def test_the_header_follows_sign_in_and_role(app, make_user):
    make_user("contributor", email="beitrag@example.org")
    make_user("moderator", email="pruefung@example.org")
    member, moderator = signed_in(app, "beitrag@example.org"), signed_in(app, "pruefung@example.org")
    anonymous = app.test_client().get(f"/cases/{CASE}")
    as_member = member.get(f"/cases/{CASE}")
    as_moderator = moderator.get(f"/cases/{CASE}")
    assert "Anmelden" in header(anonymous) and "Abmelden" not in header(anonymous)
    assert "beitrag@example.org" in header(as_member) and "Meine Beiträge" in header(as_member)
    assert "Moderation" not in header(as_member) and "Moderation" in header(as_moderator)
    assert "pruefung@example.org" in header(as_moderator)
    make_user("contributor", email="zweite@example.org")
    second = header(signed_in(app, "zweite@example.org").get(f"/cases/{CASE}"))
    assert "zweite@example.org" in second and "beitrag@example.org" not in second
    with app.app_context():
        db.session.execute(update(User).where(User.email == "beitrag@example.org").values(role=Role.MODERATOR))
        db.session.commit()
    assert "Moderation" in header(member.get(f"/cases/{CASE}"))


def test_each_visitor_gets_their_own_form_token_in_the_header(csrf_app):
    tokens = []
    for _ in range(2):
        page = header(csrf_app.test_client().get(f"/cases/{CASE}"))
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    assert tokens[0] != tokens[1] and all("kb-part" not in token for token in tokens)
