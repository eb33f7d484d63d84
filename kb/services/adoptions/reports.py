"""Experience reports: what an adopter learned (effort, cost, adaptations, pitfalls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from kb.models import Adoption, AuditEvent, ExperienceReport, User
from kb.services.adoptions.declarations import AdoptionError, may_change, refusal

TEXT_MAX_LENGTH = 4000
COST_BANDS = {
    "unter_10000": _l("unter 10.000 €"),
    "10000_50000": _l("10.000 bis 50.000 €"),
    "50000_100000": _l("50.000 bis 100.000 €"),
    "100000_500000": _l("100.000 bis 500.000 €"),
    "ueber_500000": _l("über 500.000 €"),
}
RECOMMEND = {
    "ja": _l("Ja, uneingeschränkt"),
    "eingeschraenkt": _l("Ja, mit Einschränkungen"),
    "nein": _l("Nein"),
}
TEXT_FIELDS = ("adapted", "data_prerequisites", "pitfalls")
LIMITS = {"months_to_live": 120, "effort_person_days": 10000}


@dataclass
class ReportInput:
    """The fields of an experience report as entered (all optional)."""

    months_to_live: int | None = None
    effort_person_days: int | None = None
    cost_band: str | None = None
    adapted: str | None = None
    data_prerequisites: str | None = None
    pitfalls: str | None = None
    recommend: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) in (None, "") for name in self.__dataclass_fields__)


def validate(data: ReportInput) -> ReportInput:
    """Return cleaned input; raise AdoptionError naming the first bad field."""
    for name, maximum in LIMITS.items():
        value = getattr(data, name)
        if value is not None and not 0 <= value <= maximum:
            raise AdoptionError(name, str(_l("Bitte eine Zahl zwischen 0 und %(max)d angeben.", max=maximum)))
    if data.cost_band and data.cost_band not in COST_BANDS:
        raise AdoptionError("cost_band", str(_l("Unbekannte Kostenspanne.")))
    if data.recommend and data.recommend not in RECOMMEND:
        raise AdoptionError("recommend", str(_l("Unbekannte Empfehlung.")))
    cleaned = {}
    for name in TEXT_FIELDS:
        text = (getattr(data, name) or "").strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise AdoptionError(name, str(_l("Höchstens %(n)d Zeichen.", n=TEXT_MAX_LENGTH)))
        cleaned[name] = text or None
    return ReportInput(months_to_live=data.months_to_live, effort_person_days=data.effort_person_days,
                       cost_band=data.cost_band or None, recommend=data.recommend or None, **cleaned)


def save_report(session: Session, adoption: Adoption, data: ReportInput, *, actor: User) -> ExperienceReport | None:
    """Create, update or (when every field is empty) delete the adopter's experience report; commit.

    Only confirmed members of the adopting organisation and moderators write it directly; what
    other members send waits as a proposal (kb.services.adoptions.proposals.submit_report).
    """
    if not may_change(actor, adoption):
        raise refusal(actor, adoption.organisation, str(_l("Den Erfahrungsbericht schreiben")))
    report = write_report(session, adoption, validate(data), actor=actor)
    session.commit()
    return report


def write_report(session: Session, adoption: Adoption, data: ReportInput, *, actor: User) -> ExperienceReport | None:
    """Put validated report fields into the adoption's report (empty: delete it); audit, no commit."""
    report = adoption.report
    if data.is_empty():
        if report is not None:
            adoption.report = None
            _audit(session, actor, adoption, "report.delete", None)
        return None
    if report is None:
        report = ExperienceReport()
        adoption.report = report
    for name in ReportInput.__dataclass_fields__:
        setattr(report, name, getattr(data, name))
    _audit(session, actor, adoption, "report.save", as_dict(report))
    return report


def as_dict(report: ExperienceReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in ReportInput.__dataclass_fields__}


def _audit(session: Session, actor: User, adoption: Adoption, action: str, data: dict | None) -> None:
    session.flush()
    session.add(AuditEvent(actor_id=actor.id, action=action, object_type="adoption", object_id=str(adoption.id),
                           case_id=adoption.case_id, data=data))
