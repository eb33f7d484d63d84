"""What happened to published cases and needs: recorded on every flush, read by feeds and digests.

A listener on every session's ``before_flush`` adds an ``UpdateEvent`` inside the same
transaction whenever a case is published or its text, facts or status change, a municipality
starts to use (or shows interest in) a case or changes its status, an experience report is
written, a need is published or joined. So every path – web, API, import – is covered, and a
rollback takes the event with it. (The bulk import of new cases writes with Core inserts;
their publication is read from ``use_case.published_at`` instead.)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from kb.models import (
    Adoption,
    AdoptionStatus,
    ExperienceReport,
    Kreis,
    ModerationState,
    Municipality,
    Need,
    NeedMember,
    Organisation,
    UpdateEvent,
    UpdateKind,
    UseCase,
    case_topic,
    labels,
)
from kb.models.base import utcnow

#: columns of a case whose change is no news (bookkeeping, moderation, status: reported apart)
QUIET_COLUMNS = frozenset({"id", "slug", "updated_at", "created_at", "lock_version", "moderation", "submitted_at",
                           "published_at", "rejection_reason", "author_id", "status"})
FEED_LIMIT = 50


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "before_flush", record_updates):
        event.listen(Session, "before_flush", record_updates)


def record_updates(session: Session, _flush_context, _instances) -> None:
    """Add an UpdateEvent for each newsworthy change in this flush."""
    found: list[UpdateEvent] = []
    with session.no_autoflush:
        for obj in list(session.new):
            found += _for_new(session, obj)
        for obj in list(session.dirty):
            if session.is_modified(obj):
                found += _for_changed(session, obj)
    for update in found:
        session.add(update)


def _published_case(session: Session, case_id: int | None) -> UseCase | None:
    case = session.get(UseCase, case_id) if case_id is not None else None
    return case if case is not None and case.moderation is ModerationState.PUBLISHED else None


def _for_new(session: Session, obj) -> list[UpdateEvent]:
    if isinstance(obj, UseCase) and obj.moderation is ModerationState.PUBLISHED:
        return [UpdateEvent(kind=UpdateKind.PUBLISHED, case=obj)]
    if isinstance(obj, Adoption):
        case = obj.case or _published_case(session, obj.case_id)
        if case is not None and case.is_published:
            return [UpdateEvent(kind=UpdateKind.ADOPTION, case=case, **_organisation_of(obj),
                                detail={"status": _value(obj.status)})]
    if isinstance(obj, ExperienceReport) and obj.adoption is not None:
        return _report(session, obj.adoption)
    if isinstance(obj, NeedMember):
        need = obj.need or session.get(Need, obj.need_id)
        if need is not None and need.is_published:
            return [UpdateEvent(kind=UpdateKind.NEED_JOINED, need=need, **_organisation_of(obj))]
    return []


def _organisation_of(obj) -> dict:
    """The organisation of a new row, also when it was given as an object (its id is set at the flush)."""
    if obj.organisation is not None:
        return {"organisation": obj.organisation}
    return {"organisation_id": obj.organisation_id}


def _for_changed(session: Session, obj) -> list[UpdateEvent]:
    if isinstance(obj, UseCase):
        return _case_changes(obj)
    if isinstance(obj, Adoption):
        old = _old_value(obj, "status")
        case = obj.case or _published_case(session, obj.case_id)
        if old is not None and old != obj.status and case is not None and case.is_published:
            return [UpdateEvent(kind=UpdateKind.ADOPTION_STATUS, case=case, organisation_id=obj.organisation_id,
                                detail={"from": _value(old), "to": _value(obj.status)})]
    if isinstance(obj, ExperienceReport) and obj.adoption is not None and _columns_changed(obj):
        return _report(session, obj.adoption)
    if isinstance(obj, Need):
        old = _old_value(obj, "moderation")
        if old is not None and old != obj.moderation and obj.is_published:
            return [UpdateEvent(kind=UpdateKind.NEED_PUBLISHED, need=obj, organisation_id=obj.organisation_id)]
    return []


def _case_changes(case: UseCase) -> list[UpdateEvent]:
    old_moderation = _old_value(case, "moderation")
    if old_moderation is not None and old_moderation != case.moderation:
        return [UpdateEvent(kind=UpdateKind.PUBLISHED, case=case)] if case.is_published else []
    if not case.is_published:
        return []
    found = []
    old_status = _old_value(case, "status")
    if old_status is not None and old_status != case.status:
        found.append(UpdateEvent(kind=UpdateKind.STATUS, case=case,
                                 detail={"from": _value(old_status), "to": _value(case.status)}))
    if _columns_changed(case, QUIET_COLUMNS) or inspect(case).attrs.topics.history.has_changes():
        found.append(UpdateEvent(kind=UpdateKind.UPDATED, case=case))
    return found


def _report(session: Session, adoption: Adoption) -> list[UpdateEvent]:
    case = adoption.case or _published_case(session, adoption.case_id)
    if case is None or not case.is_published:
        return []
    return [UpdateEvent(kind=UpdateKind.REPORT, case=case, organisation_id=adoption.organisation_id)]


def _old_value(obj, name: str):
    history = inspect(obj).attrs[name].history
    return history.deleted[0] if history.deleted else None


def _columns_changed(obj, quiet: Iterable[str] = ("id", "created_at", "updated_at")) -> bool:
    state = inspect(obj)
    return any(state.attrs[attr.key].history.has_changes()
               for attr in state.mapper.column_attrs if attr.key not in quiet)


def _value(status) -> str | None:
    return status.value if status is not None else None


# ---------------------------------------------------------------- reading


def place_organisations(session: Session, key: str) -> list[int] | None:
    """The organisations behind a municipality (AGS) or a Kreis key with its municipalities; None if unknown."""
    if len(key) == 8 and session.get(Municipality, key) is not None:
        return list(session.scalars(select(Organisation.id).where(Organisation.municipality_ags == key)))
    if len(key) == 5 and session.get(Kreis, key) is not None:
        ags = select(Municipality.ags).where(Municipality.kreis_key == key)
        return list(session.scalars(select(Organisation.id).where(
            or_(Organisation.kreis_key == key, Organisation.municipality_ags.in_(ags)))))
    return None


def visible(stmt):
    """Only events about published cases or published needs."""
    return (stmt.outerjoin(UseCase, UseCase.id == UpdateEvent.case_id)
            .outerjoin(Need, Need.id == UpdateEvent.need_id)
            .where(or_(UseCase.moderation == ModerationState.PUBLISHED, Need.moderation == ModerationState.PUBLISHED)))


def selection(*, case_ids: list[int] | None = None, topic_ids: list[int] | None = None,
              organisation_ids: list[int] | None = None, need_ids: list[int] | None = None):
    """The condition for events about any of the given cases, topics, organisations or needs."""
    conditions = []
    if case_ids:
        conditions.append(UpdateEvent.case_id.in_(case_ids))
    if topic_ids:
        conditions.append(UpdateEvent.case_id.in_(select(case_topic.c.case_id)
                                                  .where(case_topic.c.topic_id.in_(topic_ids))))
        conditions.append(UpdateEvent.need_id.in_(select(Need.id).where(Need.topic_id.in_(topic_ids))))
    if organisation_ids:
        conditions.append(UpdateEvent.organisation_id.in_(organisation_ids))
        conditions.append(UpdateEvent.case_id.in_(select(UseCase.id).where(UseCase.owner_id.in_(organisation_ids))))
        conditions.append(UpdateEvent.need_id.in_(select(Need.id).where(Need.organisation_id.in_(organisation_ids))))
    if need_ids:
        conditions.append(UpdateEvent.need_id.in_(need_ids))
    return or_(*conditions) if conditions else None


def recent(session: Session, condition=None, *, since: datetime | None = None,
           limit: int = FEED_LIMIT) -> list[UpdateEvent]:
    """The newest visible events (matching ``condition``), newest first."""
    stmt = visible(select(UpdateEvent))
    if condition is not None:
        stmt = stmt.where(condition)
    if since is not None:
        stmt = stmt.where(UpdateEvent.created_at > since)
    stmt = stmt.options(selectinload(UpdateEvent.case).selectinload(UseCase.topics),
                        selectinload(UpdateEvent.need), selectinload(UpdateEvent.organisation))
    return list(session.scalars(stmt.order_by(UpdateEvent.created_at.desc(), UpdateEvent.id.desc()).limit(limit)))


def subject_title(update: UpdateEvent) -> str:
    """The case or need an event is about."""
    if update.need is not None:
        return update.need.title
    return update.case.title if update.case is not None else ""


def describe(update: UpdateEvent) -> str:
    """One sentence saying what happened ("Jena nutzt die Lösung jetzt (Im Betrieb).")."""
    org = update.organisation.name if update.organisation is not None else ""
    detail = update.detail or {}
    kind = update.kind
    if kind is UpdateKind.PUBLISHED:
        return _("Neu im Praxisatlas: %(title)s.", title=subject_title(update))
    if kind is UpdateKind.UPDATED:
        return _("Die Beschreibung wurde aktualisiert.")
    if kind is UpdateKind.STATUS:
        return _("Neuer Stand der Lösung: %(to)s (vorher: %(from)s).",
                 to=labels.label(labels.CASE_STATUS, detail.get("to", "")),
                 **{"from": labels.label(labels.CASE_STATUS, detail.get("from", ""))})
    if kind is UpdateKind.ADOPTION:
        if detail.get("status") == AdoptionStatus.INTERESSIERT.value:
            return _("%(org)s interessiert sich für die Lösung.", org=org)
        return _("%(org)s nutzt die Lösung jetzt (%(status)s).", org=org,
                 status=labels.label(labels.ADOPTION_STATUS, detail.get("status", "")))
    if kind is UpdateKind.ADOPTION_STATUS:
        return _("%(org)s: neuer Stand „%(status)s“.", org=org,
                 status=labels.label(labels.ADOPTION_STATUS, detail.get("to", "")))
    if kind is UpdateKind.REPORT:
        return _("%(org)s hat einen Erfahrungsbericht geschrieben.", org=org)
    if kind is UpdateKind.NEED_PUBLISHED:
        return _("Neuer Bedarf von %(org)s: %(title)s.", org=org, title=subject_title(update))
    if kind is UpdateKind.NEED_JOINED:
        return _("%(org)s hat denselben Bedarf („wir auch“).", org=org)
    return _("Eine neue Lösung passt zu diesem Bedarf: %(case)s.",
             case=update.case.title if update.case is not None else "")


def latest_change(updates: list[UpdateEvent]) -> datetime:
    return max((u.created_at for u in updates), default=utcnow())
