"""Issue 15, item 6: experience reports are part of their case's search document, and the search
page counts the needs (Bedarfe) that match the same words apart from the solutions."""

from __future__ import annotations

import re

from sqlalchemy import select

from kb.extensions import db
from kb.models import UseCase, User
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import reports as experience_reports
from kb.services.registry import organisations

CASE = "hamburg-dipas-digitale-beteiligung"
LEIPZIG = "14713000"
WORDS = "Dienstvereinbarung Personalrat"  # in no seed case: only the report below says it


def strong_slugs(client, text: str) -> list[str]:
    data = client.get("/api/v1/search", query_string={"q": text, "per_page": 50}).get_json()
    return [hit["slug"] for hit in data["results"] if not hit["weaker"]]


def write_report(app, user_id: int, **fields) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        case = db.session.scalar(select(UseCase).where(UseCase.slug == CASE))
        leipzig = organisations.for_key(db.session, LEIPZIG)
        adoption = adoptions.find(db.session, case, leipzig)
        if adoption is None:
            adoptions.declare(db.session, case=case, organisation=leipzig, status="in_betrieb", note=None,
                              actor=user, verified=True)
            adoption = adoptions.find(db.session, case, leipzig)
        experience_reports.save_report(db.session, adoption, experience_reports.ReportInput(**fields), actor=user)


def test_report_text_finds_its_case_until_the_report_is_withdrawn(app, client, runner, make_user):
    user_id, _email, _pw = make_user("contributor", municipality=LEIPZIG)
    assert CASE not in strong_slugs(client, WORDS)
    write_report(app, user_id, recommend="ja",
                 pitfalls="Ohne Dienstvereinbarung mit dem Personalrat ging nichts.")
    assert CASE in strong_slugs(client, WORDS)
    assert runner.invoke(args=["check-index"]).exit_code == 0
    write_report(app, user_id)  # every field empty: the report is deleted
    assert CASE not in strong_slugs(client, WORDS)
    assert runner.invoke(args=["check-index"]).exit_code == 0
