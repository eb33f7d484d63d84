"""Every route × every role, GET and POST, against the table in tests/authz_matrix.py.

Also checks on every single response that the security headers are there (CSP without
'unsafe-inline', nosniff, Referrer-Policy, frame-ancestors 'none') and that a refused POST
changed nothing in the database.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import Role, UseCase, User
from kb.services.accounts import registration
from kb.services.accounts import users as accounts
from tests.authz_data import (
    ELSEWHERE,
    LEIPZIG,
    PASSWORD,
    MatrixData,
    fingerprint,
    leipzig_records,
    pending_count,
    published_records,
)
from tests.authz_matrix import API_ADOPTERS, E401, E403, E404, HELD, LOGIN, MATRIX, OK, OWN, PASS, ROLES
from tests.helpers import record

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def outcome(response) -> str:
    """Classify a response into the matrix vocabulary."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status in (301, 302, 303, 307, 308) and re.match(r"^(https?://[^/]+)?/login\?next=", location):
        return LOGIN
    if status == 401:
        return E401
    if status == 403:
        return E403
    if status == 404:
        return E404
    if status < 400 or status in (400, 409, 422, 429):
        return OK
    return str(status)


def matches(expected: str, actual: str) -> bool:
    if expected in (PASS, OWN):
        return actual in (OK, E404)
    if expected == HELD:
        return actual == OK
    return expected == actual


def check_headers(response, where: str) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    problems = []
    if "script-src 'self'" not in csp or "unsafe-inline" in csp or "frame-ancestors 'none'" not in csp:
        problems.append(f"{where}: CSP {csp!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options missing")
    if not response.headers.get("Referrer-Policy"):
        problems.append(f"{where}: Referrer-Policy missing")
    return problems


@pytest.fixture
def matrix_users(app):
    with app.app_context():
        ids = {}
        for key, role in (("reader", Role.READER), ("unconfirmed", Role.CONTRIBUTOR),
                          ("contributor", Role.CONTRIBUTOR), ("elsewhere", Role.CONTRIBUTOR),
                          ("moderator", Role.MODERATOR), ("admin", Role.ADMIN), ("other", Role.CONTRIBUTOR)):
            user = accounts.create_user(db.session, email=f"matrix-{key}@example.org", password=PASSWORD, role=role,
                                        municipality=ELSEWHERE if key == "elsewhere" else LEIPZIG, confirmed=True)
            ids[key] = user.id
        db.session.get(User, ids["unconfirmed"]).membership_verified_at = None  # claims Leipzig, not confirmed
        db.session.commit()
        return ids


def _client(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/login", data={"email": f"matrix-{role}@example.org", "password": PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client


def test_every_route_of_the_app_has_a_row_in_the_matrix(app):
    missing, stale = [], []
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods - IGNORED_METHODS)
        checks = MATRIX.get(rule.endpoint)
        if not checks:
            arguments = ", ".join(f"{m.lower()}=…" for m in methods)
            missing.append(f'    "{rule.endpoint}": [Check("{rule.rule}", {arguments})],')
            continue
        covered = {m for check in checks for m in check.expectations()}
        for method in methods:
            if method not in covered:
                missing.append(f"    {rule.endpoint}: no expectation for {method} {rule.rule}")
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = [name for name in MATRIX if name not in endpoints]
    assert not missing, ("Routes without a row in tests/authz_matrix.py – add who may use them:\n"
                         + "\n".join(missing))
    assert not stale, f"Rows in tests/authz_matrix.py for routes that no longer exist: {stale}"


@pytest.mark.slow  # long and independent of the database: runs once, in the SQLite pass of make test
def test_every_role_gets_exactly_what_its_row_allows(app, matrix_users):
    data = MatrixData(app, matrix_users)
    clients = {role: _client(app, role) for role in ROLES}
    failures, header_problems = [], []
    for endpoint, checks in MATRIX.items():
        for check in checks:
            for method, expected in check.expectations().items():
                for role, wanted in zip(ROLES, expected, strict=True):
                    url = data.url(check.url)
                    before = fingerprint(app) if method == "POST" else None
                    records, pending = (published_records(app), pending_count(app)) if wanted == HELD else (None, 0)
                    leipzig = leipzig_records(app) if wanted == OWN else None
                    client = clients[role]
                    response = client.get(url) if method == "GET" else client.post(url, data=check.extra)
                    got = outcome(response)
                    where = f"{method} {url} as {role} ({endpoint})"
                    header_problems += check_headers(response, where)
                    if not matches(wanted, got):
                        failures.append(f"{where}: expected {wanted}, got {got} ({response.status_code})")
                    elif method == "POST" and got in (LOGIN, E401, E403, E404) and fingerprint(app) != before:
                        failures.append(f"{where}: refused ({got}) but the database changed")
                    elif wanted == HELD and (published_records(app) != records or pending_count(app) != pending + 1):
                        failures.append(f"{where}: expected a held proposal and unchanged records")
                    elif wanted == OWN and leipzig_records(app) != leipzig:
                        failures.append(f"{where}: another municipality changed Leipzig's adoption")
                    if endpoint in ("auth.logout", "auth.sign_out_everywhere") and role != "anonymous":
                        clients[role] = _client(app, role)
    assert not failures, "\n".join(failures)
    assert not header_problems, "\n".join(header_problems[:20])


def test_matrix_covers_the_rules_the_issue_names():
    """The table itself says what the issue asks (guards against loosening it by accident)."""
    unconfirmed = ROLES.index("unconfirmed")
    assert MATRIX["submission.new"][0].get == (LOGIN, E403, OK, OK, OK, OK, OK)
    assert MATRIX["moderation.queue"][0].get[:4] == (LOGIN, E403, E403, E403)
    assert MATRIX["moderation.decide"][0].post[:4] == (LOGIN, E403, E403, E403)
    assert MATRIX["moderation.decide_proposal"][0].post[:4] == (LOGIN, E403, E403, E403)
    assert MATRIX["admin.users"][0].get[:5] == (LOGIN, E403, E403, E403, E403)
    hidden = [c for c in MATRIX["catalog.case_detail"] if "draft" in c.url]
    assert all(c.get[:3] == (E404, E404, E404) for c in hidden)
    # issue 19, item 2: on Leipzig's verified adoption the unconfirmed member only proposes or is refused
    adoption_rows = [c for name, checks in MATRIX.items() if name.startswith("adoption.") for c in checks]
    on_leipzig = [c for c in adoption_rows if "{adopted}" in c.url and c.post is not None]
    assert {c.url.split("{adopted}")[1] for c in on_leipzig} == {"/adopt", "/adopt/confirm", "/adopt/withdraw",
                                                               "/adopt/report"}
    assert all(c.post[unconfirmed] in (HELD, E403) for c in on_leipzig)
    assert all(c.post[ROLES.index("elsewhere")] == OWN for c in on_leipzig)
    assert all(c.post[unconfirmed] in (E403, E404, PASS) for c in adoption_rows
               if "adoptions/" in c.url and c.post is not None)
    # issue 14: a confirmed contributor of another municipality writes, joins and follows like any member,
    # but cannot speak for Leipzig, remove someone else's referent entry, manage a need of Dresden, see or
    # edit someone else's draft, or write to a pool it is not part of
    elsewhere = ROLES.index("elsewhere")
    allowed = {"community.contact_team": "post", "community.contact_adopter": "post", "community.join_need": "post",
               "community.leave_need": "post", "community.new_need": "post", "community.case_pool": "post",
               "community.follow": "post", "community.unfollow": "post"}
    for name, method in allowed.items():
        assert getattr(MATRIX[name][0], method)[elsewhere] in (OK, PASS), name
    refused = [MATRIX["community.declare_referent"][0].post, MATRIX["community.withdraw_referent"][1].post,
               MATRIX["community.close_need"][0].post, MATRIX["community.contact_need"][0].post,
               MATRIX["community.contact_pool"][0].post, MATRIX["community.review_need"][0].post]
    refused += [c.post for c in MATRIX["submission.edit"] if "{published}" not in c.url]
    refused += [c.post for c in MATRIX["submission.guided_step"]]
    assert all(expected[elsewhere] in (E403, E404) for expected in refused)


def test_unconfirmed_tokens_are_usable_helpers(app):
    """The matrix' token placeholders really are valid (else the auth rows would test nothing)."""
    data = MatrixData(app, {})
    token = data.url("{confirm_token}")
    with app.app_context():
        user = registration.user_for_confirmation(db.session, token)
        assert user.email_confirmed_at is None


def _adopter_names(app, slug: str) -> set[str]:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        return {a.organisation.name for a in case.adoptions} if case is not None else set()


def test_api_tokens_write_adoptions_only_for_their_own_organisation(app, runner, tmp_path):
    """Issue 19, item 4: the token rows of tests/authz_matrix.py (API_ADOPTERS)."""
    token = runner.invoke(args=["create-token", "--organisation", "Stadt Jena", "--name", "Matrix"]).stdout.split()[-1]
    jena_case = tmp_path / "jena.jsonl"
    jena_case.write_text(json.dumps(record("matrix-jena-bestand", municipality="16053000",
                                           adopters=["Dresden"])) + "\n", encoding="utf-8")
    assert runner.invoke(args=["import-cases", str(jena_case)]).exit_code == 0
    data = MatrixData(app, {})
    client = app.test_client()
    failures = []
    for number, check in enumerate(API_ADOPTERS):
        slugs = {"new_slug": f"matrix-api-{number}", "published_jena": "matrix-jena-bestand"}
        with app.app_context():
            slugs["published"] = data.published()
        path = check.path.format(**slugs)
        body = {k: (v.format(**slugs) if isinstance(v, str) else v) for k, v in check.body.items()}
        if "adopters" in body:
            body = {**record(body["slug"], municipality=None), **body}
        slug = path.split("/")[4] if path.endswith("/adoptions") else body["slug"]
        before = _adopter_names(app, slug)
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        added = _adopter_names(app, slug) - before
        if response.status_code != check.status or added != set(check.new_adopters):
            failures.append(f"{path} {check.note}: got {response.status_code}, new adopters {sorted(added)}; "
                            f"expected {check.status}, {sorted(check.new_adopters)}")
    assert not failures, "\n".join(failures)
