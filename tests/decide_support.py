"""Shared by the Merkliste, compare and Steckbrief tests: seed slugs, a draft, re-use facts for Maerker."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import Hosting, OperatorKind, ReusePath, ReusePathKind, Role, UseCase
from kb.services.accounts import users as accounts
from kb.services.cases import submissions

MAERKER = "brandenburg-maerker-maengelmelder"
KLARSCHIFF = "rostock-klarschiff-maengelmelder"
MASTERPORTAL = "hamburg-masterportal-geoportal"


@pytest.fixture
def draft(app):
    """An unpublished case with a telling title (import it into a test module to use it)."""
    with app.app_context():
        author = accounts.create_user(db.session, email="entwurf@example.org", password="geheim-passwort-1",
                                      role=Role.CONTRIBUTOR, municipality="08421000", confirmed=True)
        data = {"title": "Geheimer Entwurf Zauberportal", "municipality": "08421000"}
        case = submissions.save_draft(db.session, data, author=author)
        return case.slug


def give_maerker_facts(app) -> None:
    """Maerker: free of charge for Brandenburg's municipalities, a Landesdienst run by the ZIT-BB."""
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == MAERKER))
        case.costs_yearly_eur = 0
        case.operator_kind = OperatorKind.IT_SERVICE_PROVIDER
        case.operator_name = "ZIT-BB (Brandenburgischer IT-Dienstleister)"
        case.hosting = Hosting.IT_SERVICE_PROVIDER
        if not case.reuse_paths:
            case.reuse_paths.append(ReusePath(kind=ReusePathKind.EFA, note="Landesdienst für Gemeinden in Brandenburg",
                                              position=0))
        db.session.commit()
