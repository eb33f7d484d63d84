"""Every route × every role, GET and POST, against the table in tests/authz_matrix.py.

Also checks on every single response that the security headers are there (CSP without
'unsafe-inline', nosniff, Referrer-Policy, frame-ancestors 'none') and that a refused POST
changed nothing in the database.
"""

from __future__ import annotations

import json
import re
import string
from itertools import count

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import (
    Adoption,
    AdoptionProposal,
    AdoptionSource,
    AdoptionStatus,
    AuditEvent,
    CaseRevision,
    ExperienceReport,
    Follow,
    ModerationState,
    Need,
    NeedMember,
    Organisation,
    Referent,
    Role,
    UseCase,
    User,
)
from kb.models.base import utcnow
from kb.services.accounts import passwords, registration, tokens
from kb.services.accounts import users as accounts
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.cases import submissions
from kb.services.community import follows, needs, referents
from kb.services.registry import organisations
from tests.authz_matrix import API_ADOPTERS, E401, E403, E404, HELD, LOGIN, MATRIX, OK, OWN, PASS, ROLES
from tests.helpers import RECORD_CONTACT_AND_REUSE, record

LEIPZIG = "14713000"
ELSEWHERE = "14511000"  # Chemnitz: the confirmed contributor of another municipality

PASSWORD = "geheim-passwort-1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
_serial = count(1)


class MatrixData:
    """Fills URL placeholders, creating fresh objects where a request might change them."""

    def __init__(self, app, users: dict[str, int]) -> None:
        self.app = app
        self.users = users

    def url(self, template: str) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        with self.app.app_context():
            values = {name: getattr(self, name)() for name in sorted(names)}
        return template.format(**values)

    def _user(self, key: str) -> User:
        return db.session.get(User, self.users[key])

    def _draft(self, author_key: str) -> str:
        data = {"title": f"Matrix-Entwurf {next(_serial)}", "municipality": "14713000"}
        return submissions.save_draft(db.session, data, author=self._user(author_key)).slug

    def published(self, index: int = 0) -> str:
        leipzig = select(Organisation.id).where(Organisation.municipality_ags == LEIPZIG)
        return db.session.scalar(select(UseCase.slug).where(
            UseCase.published_at.is_not(None), UseCase.author_id.is_(None),
            UseCase.owner_id.not_in(leipzig)).order_by(UseCase.id).offset(index))

    def adopted(self) -> str:
        """Another published case with Leipzig's verified adoption and report, as they were before."""
        slug = self.published(1)
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        leipzig = organisations.for_key(db.session, LEIPZIG)
        adoption = adoptions.find(db.session, case, leipzig) or Adoption(
            case=case, organisation=leipzig, source=AdoptionSource.DECLARED, status=AdoptionStatus.IN_BETRIEB)
        adoption.status, adoption.note, adoption.verified = AdoptionStatus.IN_BETRIEB, "Matrix: läuft", True
        adoption.declared_by_id, adoption.confirmed_at = self.users["contributor"], utcnow()
        adoption.report = adoption.report or ExperienceReport()
        adoption.report.pitfalls = "Matrix: früh schulen"
        db.session.add(adoption)
        db.session.commit()
        return slug

    def proposal_id(self) -> str:
        case = db.session.scalar(select(UseCase).where(UseCase.slug == self.published()))
        proposal = adoption_proposals.submit_declaration(db.session, case=case, actor=self._user("unconfirmed"),
                                                         status="pilot", note="Matrix-Vorschlag")
        assert isinstance(proposal, AdoptionProposal)
        return str(proposal.id)

    def software(self) -> str:
        return db.session.scalar(select(UseCase.slug).where(UseCase.repository.is_not(None),
                                                            UseCase.published_at.is_not(None)).order_by(UseCase.id))

    def draft(self) -> str:
        return self._draft("contributor")

    def foreign_draft(self) -> str:
        return self._draft("other")

    def submitted(self) -> str:
        data = {"title": f"Matrix-Einreichung {next(_serial)}", "summary": "Kurz.", "description": "Lang.",
                "municipality": "14713000", "topics": ["Bürgerservice"], "status": "pilot",
                **RECORD_CONTACT_AND_REUSE}
        return submissions.submit_data(db.session, data, author=self._user("contributor")).slug

    def _account(self, prefix: str, confirmed: bool) -> User:
        """A fresh account without paying for a new password hash each time."""
        if not hasattr(self, "_hash"):
            self._hash = accounts.hash_password(PASSWORD)
        user = User(email=f"{prefix}-{next(_serial)}@example.org", password_hash=self._hash, role=Role.READER,
                    email_confirmed_at=utcnow() if confirmed else None)
        accounts.assign_membership(db.session, user, "14713000", None)
        db.session.add(user)
        db.session.commit()
        return user

    def user_id(self) -> str:
        return str(self._account("ziel", confirmed=True).id)

    def adoption_id(self) -> str:
        case = db.session.scalar(select(UseCase).where(UseCase.slug == self.published()))
        org = organisations.named(db.session, f"Matrix-Nachnutzer {next(_serial)}")
        adoption = Adoption(case=case, organisation=org, status=AdoptionStatus.PILOT, source=AdoptionSource.IMPORTED)
        db.session.add(adoption)
        db.session.commit()
        return str(adoption.id)

    def second_published(self) -> str:
        leipzig = select(Organisation.id).where(Organisation.municipality_ags == "14713000")
        return db.session.scalar(select(UseCase.slug).where(
            UseCase.published_at.is_not(None), UseCase.owner_id.not_in(leipzig),
            UseCase.slug != self.published()).order_by(UseCase.id.desc()))

    def own_case(self) -> str:
        leipzig = select(Organisation.id).where(Organisation.municipality_ags == "14713000")
        return db.session.scalar(select(UseCase.slug).where(UseCase.published_at.is_not(None),
                                                            UseCase.owner_id.in_(leipzig)).order_by(UseCase.id))

    def adopter_org(self) -> str:
        case = db.session.scalar(select(UseCase).where(UseCase.slug == self.published()))
        org = organisations.named(db.session, f"Matrix-Nutzer {next(_serial)}")
        db.session.add(Adoption(case=case, organisation=org, status=AdoptionStatus.PILOT,
                                source=AdoptionSource.IMPORTED))
        db.session.commit()
        return str(org.id)

    def leipzig_referent(self) -> str:
        """Leipzig's organisation id, with the matrix contributor as its referent on {own_case}."""
        case = db.session.scalar(select(UseCase).where(UseCase.slug == self.own_case()))
        referents.declare(db.session, case, actor=self._user("contributor"), role="Matrix", name="Matrix-Referentin")
        return str(organisations.for_key(db.session, LEIPZIG).id)

    def _need(self, author: User) -> Need:
        return needs.post(db.session, needs.NeedInput(title=f"Matrix-Bedarf {next(_serial)}", problem="Problem.",
                                                      topic="Bildung"), actor=author)

    def need(self) -> str:
        if not hasattr(self, "_dresden"):
            dresden = self._account("dresden", confirmed=True)
            accounts.assign_membership(db.session, dresden, "14612000", None)
            db.session.commit()
            self._dresden = dresden.id
        need = self._need(db.session.get(User, self._dresden))
        need.moderation, need.published_at = ModerationState.PUBLISHED, utcnow()
        db.session.commit()
        return str(need.id)

    def submitted_need(self) -> str:
        return str(self._need(self._user("contributor")).id)

    def unsubscribe_token(self) -> str:
        user = self._account("abo", confirmed=True)
        row, _target = follows.follow(db.session, user, "place", "14713000", client="matrix")
        return follows.unsubscribe_token(user, row)

    def confirm_token(self) -> str:
        user = self._account("neu", confirmed=False)
        return tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})

    def reset_token(self) -> str:
        user = self._account("reset", confirmed=True)
        return tokens.make_token(tokens.RESET, {"uid": user.id, "fp": passwords._fingerprint(user)})

    def municipality(self) -> str:
        return "14713000"

    def kreis(self) -> str:
        return "14729"

    def land(self) -> str:
        return "sachsen"

    def static(self) -> str:
        return "css/app.css"


def fingerprint(app) -> tuple:
    """Row counts and the latest change of everything a POST could touch."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in
                     (UseCase, CaseRevision, AuditEvent, Adoption, User, AdoptionProposal, Need, NeedMember,
                      Referent, Follow)) + (
            db.session.scalar(select(func.max(UseCase.updated_at))),
            db.session.scalar(select(func.max(Adoption.updated_at))),
            db.session.scalar(select(func.max(AdoptionProposal.updated_at))),
            tuple(db.session.execute(select(User.id, User.role, User.active, User.membership_verified_at,
                                            User.password_hash).order_by(User.id)).all()),
        )


def published_records(app) -> tuple:
    """Every adoption and experience report as published (what a HELD request must not touch)."""
    with app.app_context():
        return (tuple(db.session.execute(select(
                    Adoption.id, Adoption.status, Adoption.note, Adoption.verified, Adoption.source,
                    Adoption.declared_by_id, Adoption.confirmed_at).order_by(Adoption.id)).all()),
                tuple(db.session.execute(select(
                    ExperienceReport.adoption_id, ExperienceReport.months_to_live, ExperienceReport.cost_band,
                    ExperienceReport.recommend, ExperienceReport.adapted, ExperienceReport.data_prerequisites,
                    ExperienceReport.pitfalls).order_by(ExperienceReport.id)).all()))


def leipzig_records(app) -> tuple:
    """Leipzig's adoptions and experience reports (what an OWN request of another municipality must not touch)."""
    with app.app_context():
        ids = select(Adoption.id).join(Organisation, Adoption.organisation_id == Organisation.id).where(
            Organisation.municipality_ags == LEIPZIG)
        return (tuple(db.session.execute(select(
                    Adoption.id, Adoption.status, Adoption.note, Adoption.verified, Adoption.declared_by_id,
                    Adoption.confirmed_at).where(Adoption.id.in_(ids)).order_by(Adoption.id)).all()),
                tuple(db.session.execute(select(ExperienceReport.adoption_id, ExperienceReport.pitfalls)
                                         .where(ExperienceReport.adoption_id.in_(ids))
                                         .order_by(ExperienceReport.id)).all()))


def pending_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AdoptionProposal).where(
            AdoptionProposal.state == "pending"))


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
