"""Case studies written by members: drafts, submission to moderation, edits of published cases.

The web form, the write API and the import all validate through ``RecordParser``, so they
accept and refuse the same things. A new case lives in ``use_case`` with moderation state
draft → submitted → published/rejected and is visible only to its author and moderators
until published. An edit of a published case is stored as a ``CaseRevision``; the case (and
with it the public page and the search index) keeps the published text until a moderator
publishes the revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import Session, scoped_session

from kb.models import (
    AdoptionSource,
    CaseRevision,
    ModerationState,
    Organisation,
    RevisionState,
    Role,
    Topic,
    UseCase,
    User,
)
from kb.models.base import utcnow
from kb.services import audit
from kb.services.cases import completeness, listed_adopters, moderation_queue, revisions
from kb.services.cases.fields import FieldProblem, ProblemCode
from kb.services.cases.record import CaseRecord, Mode, RecordParser
from kb.services.cases.writer import CASE_FIELDS, owner_organisation, sync_reuse_paths, topics_by_name, write_record
from kb.services.registry.gazetteer import get_resolver
from kb.services.registry.topics import slugify
from kb.services.unit_of_work import retrying

RESERVED_SLUGS = frozenset({"new", "neu", "mine"})
_TOPICS = "kb_submission_topics"  # session.info: (transaction, the topic vocabulary by name)


class SubmissionError(ValueError):
    """The data cannot be saved or submitted; ``problems`` names each field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class SubmissionForbidden(PermissionError):
    """The actor may not write this case."""


class OwnedByOther(SubmissionForbidden):
    """The slug belongs to a case of another organisation than the submitting one."""


def can_submit(user: User | None) -> bool:
    return user is not None and user.active and user.has_role(Role.CONTRIBUTOR)


def can_edit(case: UseCase, user: User | None) -> bool:
    """Authors edit their own cases; moderators and admins edit every case."""
    return can_submit(user) and (user.has_role(Role.MODERATOR) or case.author_id == user.id)


def _require_edit(case: UseCase, user: User | None) -> User:
    if not can_edit(case, user):
        raise SubmissionForbidden(case.slug)
    return user


def new_slug(session: Session, title: str) -> str:
    """A unique slug from the title: "Chatbot für Bürger" → "chatbot-fuer-buerger"(-2, -3, …)."""
    base = slugify(title)[:100].strip("-") or "loesung"
    if base in RESERVED_SLUGS:
        base = f"{base}-loesung"
    lock_slug(session, base)
    taken = set(session.scalars(select(UseCase.slug).where(UseCase.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def lock_slug(session: Session, base: str) -> None:
    """Make concurrent creators of the same slug wait for each other until commit (PostgreSQL).

    Without it, members submitting the same title at the same moment would both pick the same
    free slug and all but one would have to start over. (SQLite lets one writer in at a time.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"kb-slug:{base}"})


def parse(session: Session, data: dict[str, Any], *, draft: bool) -> CaseRecord:
    """Validate a member's case like an import record and report every problem at once.

    A draft needs only a title and an owner; summary, description, topics and status may
    still be missing. Raise SubmissionError listing every problem.
    """
    data = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    parser = RecordParser(get_resolver(), set(_topics(session)))
    record, problems = parser.parse(data, mode=Mode.DRAFT if draft else Mode.SUBMISSION)
    if problems:
        raise SubmissionError(problems)
    return record


def _topics(session: Session) -> dict[str, Topic]:
    """The topic vocabulary, loaded once per transaction: parsing a case and writing it both need it."""
    held = session.info.get(_TOPICS)
    if held is None or held[0] is not _transaction(session):
        topics = topics_by_name(session)
        held = session.info[_TOPICS] = (_transaction(session), topics)
    return held[1]


def _transaction(session: Session):
    real = session() if isinstance(session, scoped_session) else session
    return real.get_transaction()


def parse_new_submission(session: Session, data: dict[str, Any]) -> CaseRecord:
    """Validate a new case for moderation: everything ``parse`` checks, and the contact for
    questions and "Was Sie zur Nachnutzung brauchen" (required to submit, not to save a draft).

    Raise SubmissionError naming every problem at once.
    """
    missing = [FieldProblem(item.key, _("%(item)s fehlt – zum Einreichen nötig (ein Entwurf darf ohne).",
                                        item=item.label) + (f" {item.hint}" if item.hint else ""),
                            ProblemCode.REQUIRED)
               for item in completeness.check(data).missing_required]
    try:
        record = parse(session, data, draft=False)
    except SubmissionError as exc:
        raise SubmissionError(exc.problems + missing) from None
    if missing:
        raise SubmissionError(missing)
    return record


def _with_slug(data: dict[str, Any], slug: str) -> dict[str, Any]:
    return {**data, "slug": slug}


def apply_record(session: Session, case: UseCase, record: CaseRecord) -> None:
    """Write the record's fields, owner and topics into the case (adopters stay as they are)."""
    with session.no_autoflush:
        topics = _topics(session)
        for name in CASE_FIELDS:
            value = getattr(record, name)
            if getattr(case, name) != value:
                setattr(case, name, value)
        owner = owner_organisation(session, record.owner)
        if case.owner is not owner:
            case.owner = owner
        sync_reuse_paths(case, record.reuse_path)
        wanted = [topics[name] for name in record.topics]
        if {t.id for t in case.topics} != {t.id for t in wanted}:
            case.topics = wanted


def _create(session: Session, record: CaseRecord, author: User | None, *, submit_via: str | None = None) -> UseCase:
    """Store a new case as a draft, or (``submit_via``) right away as waiting for moderation with its
    first revision – one INSERT instead of a draft that is then updated, the same audit trail."""
    case = moderation_queue.new_case(record.slug, author.id if author else None, submitted=submit_via is not None)
    apply_record(session, case, record)
    session.add(case)
    session.flush()
    audit.record(session, author, "case.create", case)
    if submit_via is not None:
        moderation_queue.first_revision(session, case, author, via=submit_via)
    return case


# -- drafts ------------------------------------------------------------------------------------


@retrying
def save_draft(session: Session, data: dict[str, Any], *, author: User, case: UseCase | None = None) -> UseCase:
    """Save a new draft, or the author's changes as a draft; commit once.

    For a published case the draft is kept as a revision and the case stays unchanged.
    Editing a case that waits in moderation takes it out of the queue again.
    """
    if case is None:
        if not can_submit(author):
            raise SubmissionForbidden("new")
        record = parse(session, _with_slug(data, new_slug(session, data.get("title") or "")), draft=True)
        case = _create(session, record, author)
    else:
        _require_edit(case, author)
        record = parse(session, _with_slug(data, case.slug), draft=True)
        if case.is_published:
            _save_revision(session, case, record, author, RevisionState.DRAFT)
        else:
            apply_record(session, case, record)
            if case.moderation is not ModerationState.DRAFT:
                audit.record(session, author, "case.withdraw", case, data={"from": case.moderation.value})
                case.moderation = ModerationState.DRAFT
    session.commit()
    return case


def _save_revision(session: Session, case: UseCase, record: CaseRecord, actor: User | None,
                   state: RevisionState, adopters: list[dict] | None = None) -> CaseRevision:
    """Put the record into the case's open revision (creating it, and a baseline, if needed);
    ``adopters`` (held for review, kb.services.cases.listed_adopters) travel with it."""
    if revisions.latest(session, case, RevisionState.PUBLISHED) is None:
        revisions.add(session, case, revisions.snapshot(case), RevisionState.PUBLISHED, case.author_id)
    revision = revisions.open_revision(session, case)
    data = revisions.record_data(record)
    if adopters:
        data["adopters"] = adopters
    if revision is None:
        return revisions.add(session, case, data, state, actor.id if actor else None)
    if revision.state is RevisionState.SUBMITTED and state is RevisionState.DRAFT:
        audit.record(session, actor, "revision.withdraw", case, data={"revision": revision.number})
    revision.data, revision.state = data, state
    revision.author_id = actor.id if actor else revision.author_id
    revision.created_at = utcnow()
    return revision


# -- submitting --------------------------------------------------------------------------------


@retrying
def submit(session: Session, case: UseCase, *, actor: User) -> UseCase:
    """Send a saved draft (new case or draft edit of a published case) to moderation; commit."""
    _require_edit(case, actor)
    if case.is_published:
        revision = revisions.open_revision(session, case)
        if revision is None or revision.state is not RevisionState.DRAFT:
            raise SubmissionError([FieldProblem("-", _("Es gibt keinen Entwurf, der eingereicht werden kann."),
                                             ProblemCode.NOTHING_TO_SUBMIT)])
        record = parse(session, _with_slug(revision.data, case.slug), draft=False)
        _propose(session, case, record, actor, via="web")
    else:
        parse_new_submission(session, revisions.snapshot(case))
        moderation_queue.mark_submitted(session, case, actor, via="web")
    moderation_queue.commit_and_notify(session, case, edit=case.is_published)
    return case


@retrying
def submit_data(session: Session, data: dict[str, Any], *, author: User, case: UseCase | None = None) -> UseCase:
    """Validate fully, save and send to moderation in one step; commit once."""
    if case is not None and case.is_published:
        propose_edit(session, case, data, actor=author)
        return case
    if case is None:
        if not can_submit(author):
            raise SubmissionForbidden("new")
        record = parse_new_submission(session, _with_slug(data, new_slug(session, data.get("title") or "")))
        case = _create(session, record, author, submit_via="web")
    else:
        _require_edit(case, author)
        record = parse_new_submission(session, _with_slug(data, case.slug))
        apply_record(session, case, record)
        moderation_queue.mark_submitted(session, case, author, via="web")
    moderation_queue.commit_and_notify(session, case, edit=False)
    return case


@retrying
def propose_edit(session: Session, case: UseCase, data: dict[str, Any], *, actor: User) -> CaseRevision:
    """Propose a change to a published case; the published text stays until it is published."""
    _require_edit(case, actor)
    if not case.is_published:
        raise SubmissionError([FieldProblem("-", _("Die Beschreibung ist noch nicht veröffentlicht."),
                                             ProblemCode.NOT_PUBLISHED)])
    record = parse(session, _with_slug(data, case.slug), draft=False)
    revision = _propose(session, case, record, actor, via="web")
    moderation_queue.commit_and_notify(session, case, edit=True)
    return revision


def _propose(session: Session, case: UseCase, record: CaseRecord, actor: User | None, via: str,
             adopters: list[dict] | None = None) -> CaseRevision:
    if not adopters and revisions.same_content(revisions.record_data(record), revisions.snapshot(case)):
        raise SubmissionError([FieldProblem("-", _("Die Änderung ist mit der veröffentlichten Fassung identisch."),
                                             ProblemCode.UNCHANGED)])
    revision = _save_revision(session, case, record, actor, RevisionState.SUBMITTED, adopters)
    audit.record(session, actor, "revision.submit", case, data={"revision": revision.number, "via": via})
    return revision


@retrying
def submit_record(session: Session, record: CaseRecord, *, author: User | None, via: str = "api",
                  owner: Organisation | None = None) -> UseCase:
    """Create or update the case with the record's slug and send it to moderation; commit.

    A new slug becomes a new case; a published case gets a proposed revision; an unpublished
    one is updated and resubmitted. The record's adopters are claims about other organisations:
    they are held with the submission and become adoptions only where the moderator ticks them on
    publishing (kb.services.cases.listed_adopters). ``author`` None means a token-authenticated
    integration whose scope the caller has checked; a given author must be allowed to edit an
    existing case. ``owner``: the submitting organisation (a token's) – a case with this slug of
    another organisation is refused (``OwnedByOther``).
    """
    existing = session.scalar(select(UseCase).where(UseCase.slug == record.slug))
    if owner is not None and existing is not None and existing.owner_id != owner.id:
        raise OwnedByOther(record.slug)
    if author is not None and not (can_edit(existing, author) if existing else can_submit(author)):
        raise SubmissionForbidden(record.slug)
    held = listed_adopters.held_items(record)
    if existing is not None and existing.is_published:
        _propose(session, existing, record, author, via=via, adopters=held)
        moderation_queue.commit_and_notify(session, existing, edit=True)
        return existing
    case = existing
    if case is None:  # created waiting for moderation: one INSERT, no draft updated afterwards
        case = moderation_queue.new_case(record.slug, author.id if author else None, submitted=True)
        session.add(case)
    with session.no_autoflush:
        write_record(session, record, source=AdoptionSource.API, topics=_topics(session), publish=False,
                     existing=case, sync_adopters=False)
    session.flush()
    if existing is None:
        audit.record(session, author, "case.create", case, data={"via": via})
        moderation_queue.first_revision(session, case, author, via=via, adopters=held)
    else:
        moderation_queue.mark_submitted(session, case, author, via=via, adopters=held)
    moderation_queue.commit_and_notify(session, case, edit=False)
    return case


def propose_from_source(session: Session, case: UseCase, record: CaseRecord, *, via: str) -> CaseRevision:
    """Propose a source's version of a published case to moderation (no author; does not commit)."""
    return _propose(session, case, record, None, via=via)


# -- reading -----------------------------------------------------------------------------------


def editable_data(session: Session, case: UseCase) -> dict[str, Any]:
    """What the edit form starts with: the open revision of a published case, else the case."""
    if case.is_published:
        revision = revisions.open_revision(session, case)
        if revision is not None:
            return dict(revision.data)
    return revisions.snapshot(case)


def preview(session: Session, data: dict[str, Any], slug: str = "vorschau") -> dict[str, Any]:
    """Validate leniently and return the data as it would be stored (raises SubmissionError)."""
    return revisions.record_data(parse(session, _with_slug(data, slug), draft=True))


@dataclass
class Contribution:
    """One case of an author with where it stands."""

    case: UseCase
    open_revision: CaseRevision | None
    rejected_revision: CaseRevision | None
    sent_back: CaseRevision | None = None  # the moderation asked for changes to this version

    @property
    def change_request(self) -> str | None:
        return self.sent_back.note if self.sent_back is not None else None

    @property
    def rejection_reason(self) -> str | None:
        if self.sent_back is not None:
            return None
        if self.case.moderation is ModerationState.REJECTED or (
                self.case.moderation is ModerationState.DRAFT and self.case.rejection_reason):
            return self.case.rejection_reason
        return self.rejected_revision.note if self.rejected_revision is not None else None


def contribution(session: Session, case: UseCase) -> Contribution:
    open_revision = revisions.open_revision(session, case) if case.is_published else None
    rejected = None
    if case.is_published and open_revision is None:
        latest = session.scalar(select(CaseRevision).where(CaseRevision.case_id == case.id)
                                .order_by(CaseRevision.number.desc()).limit(1))
        rejected = latest if latest is not None and latest.state is RevisionState.REJECTED else None
    decided = session.scalar(select(CaseRevision).where(CaseRevision.case_id == case.id,
                                                        CaseRevision.state != RevisionState.DRAFT)
                             .order_by(CaseRevision.number.desc()).limit(1))
    sent_back = decided if decided is not None and decided.state is RevisionState.CHANGES_REQUESTED else None
    return Contribution(case, open_revision, rejected, sent_back)


def contributions(session: Session, author: User) -> list[Contribution]:
    """Return the author's cases, most recently changed first."""
    cases = session.scalars(select(UseCase).where(UseCase.author_id == author.id)
                            .order_by(UseCase.updated_at.desc(), UseCase.id.desc()))
    return [contribution(session, case) for case in cases]


def topic_names(session: Session) -> list[str]:
    """The topic vocabulary in its display order."""
    return list(session.scalars(select(Topic.name).order_by(Topic.position, Topic.name)))


@retrying
def delete_draft(session: Session, case: UseCase, *, actor: User) -> None:
    """Delete a case that was never published (draft or rejected); commit."""
    _require_edit(case, actor)
    if case.is_published or case.published_at is not None:
        raise SubmissionError([FieldProblem("-", _("Veröffentlichte Beschreibungen können nicht gelöscht werden."),
                                             ProblemCode.ALREADY_PUBLISHED)])
    audit.record(session, actor, "case.delete", object_type="case", object_id=case.slug,
                 data={"title": case.title})
    for revision in session.scalars(select(CaseRevision).where(CaseRevision.case_id == case.id)):
        session.delete(revision)
    session.delete(case)
    session.commit()
