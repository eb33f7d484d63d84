"""The data behind the authorisation matrix (tests/authz_matrix.py, tests/test_authz_matrix.py):
fresh objects for the URL placeholders, and what a refused request must leave unchanged."""

from __future__ import annotations

import string
from itertools import count

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
from kb.services.accounts import passwords, tokens
from kb.services.accounts import users as accounts
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.cases import submissions
from kb.services.community import follows, needs, referents
from kb.services.registry import organisations
from tests.helpers import RECORD_CONTACT_AND_REUSE

LEIPZIG = "14713000"
ELSEWHERE = "14511000"  # Chemnitz: the confirmed contributor of another municipality

PASSWORD = "geheim-passwort-1"
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
