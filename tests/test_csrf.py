"""CSRF protection switched on: every state-changing form refuses a missing or foreign token
with 400 and changes nothing."""

from __future__ import annotations

import re

import pytest

from kb.extensions import db
from kb.models import Role, User
from kb.services.accounts import users as accounts
from tests.authz_data import PASSWORD, MatrixData, fingerprint
from tests.authz_matrix import MATRIX

TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
# The write API authenticates with a bearer token, not a cookie, so a forged cross-site
# request carries no credentials; it is exempt from CSRF by design (see test_authz_matrix: 401).
TOKEN_AUTHENTICATED = ("api.",)


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = TOKEN_RE.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


@pytest.fixture
def csrf_users(csrf_app):
    with csrf_app.app_context():
        ids = {}
        for key, role in (("admin", Role.ADMIN), ("contributor", Role.CONTRIBUTOR), ("other", Role.CONTRIBUTOR),
                          ("unconfirmed", Role.CONTRIBUTOR)):
            user = accounts.create_user(db.session, email=f"matrix-{key}@example.org", password=PASSWORD, role=role,
                                        municipality="14713000", confirmed=True)
            ids[key] = user.id
        db.session.get(User, ids["unconfirmed"]).membership_verified_at = None
        db.session.commit()
        return ids


def signed_in(app, email: str):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    return client


def post_routes():
    for endpoint, checks in MATRIX.items():
        if endpoint.startswith(TOKEN_AUTHENTICATED):
            continue
        for check in checks:
            if check.post is not None:
                yield endpoint, check


def test_login_form_itself_needs_the_token(csrf_app, csrf_users):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "matrix-admin@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Sicherheitstoken" in response.get_data(as_text=True)
    assert client.get("/konto").status_code == 302  # still signed out


def test_every_post_route_refuses_missing_and_foreign_tokens(csrf_app, csrf_users):
    admin = signed_in(csrf_app, "matrix-admin@example.org")
    stranger = csrf_app.test_client()
    foreign = csrf_token(stranger)
    own = csrf_token(admin, "/konto")
    data = MatrixData(csrf_app, {key: csrf_users[key] for key in ("contributor", "other", "unconfirmed")})
    failures, tried = [], 0
    for endpoint, check in post_routes():
        for variant, form, headers in (("missing", {}, {}),
                                       ("foreign", {"csrf_token": foreign}, {}),
                                       ("garbage", {"csrf_token": own[:-4] + "abcd"}, {}),
                                       ("foreign header", {}, {"X-CSRFToken": foreign})):
            url = data.url(check.url)
            before = fingerprint(csrf_app)
            response = admin.post(url, data=form, headers=headers)
            tried += 1
            if response.status_code != 400:
                failures.append(f"POST {url} ({endpoint}) with {variant} token: {response.status_code}")
            elif fingerprint(csrf_app) != before:
                failures.append(f"POST {url} ({endpoint}) with {variant} token changed the database")
            elif "Sicherheitstoken" not in response.get_data(as_text=True):
                failures.append(f"POST {url} ({endpoint}): 400 without the CSRF explanation")
    assert tried >= 4 * 20
    assert not failures, "\n".join(failures)
    assert admin.get("/konto").status_code == 200, "a refused logout must not sign the admin out"


def test_the_same_requests_work_with_the_right_token(csrf_app, csrf_users):
    """Positive control: the token taken from the page is accepted, so the 400s above are CSRF."""
    admin = signed_in(csrf_app, "matrix-admin@example.org")
    token = csrf_token(admin, "/konto")
    response = admin.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert admin.get("/konto").status_code == 302


def test_every_form_on_the_site_carries_a_token(csrf_app, csrf_users):
    """All POST forms of the pages a signed-in contributor sees contain a csrf_token field."""
    client = signed_in(csrf_app, "matrix-contributor@example.org")
    published = MatrixData(csrf_app, {}).url("/cases/{published}")
    for path in ("/", "/cases/new", "/meine-beitraege", "/konto", "/konto/passwort", published):
        html = client.get(path).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S | re.I)
        assert forms, path
        for body in forms:
            assert 'name="csrf_token"' in body, (path, body[:200])
