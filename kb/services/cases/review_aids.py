"""What helps a moderator decide, beside the submitted text: what was asked last time and what
changed since, a completeness checklist, likely duplicates, and whether the author's membership
is confirmed (confirmed with one click by ``accounts.admin.verify_submitter``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from kb.models import CaseRevision, UseCase, User
from kb.services.cases import completeness, moderation, revisions
from kb.services.catalog.similar import similar_cases


@dataclass
class ReviewAids:
    sent_back: CaseRevision | None = None  # the version sent back last time, with the request as note
    changes_since: list[revisions.FieldDiff] | None = None  # that version → the resubmitted one
    checklist: completeness.Completeness | None = None
    duplicates: list[UseCase] = field(default_factory=list)
    unverified_author: User | None = None


def aids(session: Session, case: UseCase, pending: moderation.Pending | None) -> ReviewAids:
    """The aids for what waits on ``case`` (empty when nothing waits)."""
    if pending is None:
        return ReviewAids()
    proposed = pending.revision.data if pending.revision is not None else revisions.snapshot(case)
    sent_back = moderation.sent_back(session, case, before=pending.revision)
    author = pending.author
    unverified = author if (author is not None and author.organisation_id is not None
                            and author.membership_verified_at is None) else None
    return ReviewAids(
        sent_back=sent_back,
        changes_since=revisions.compare(sent_back.data, proposed) if sent_back is not None else None,
        checklist=completeness.check(proposed),
        duplicates=[] if pending.is_edit else similar_cases(session, proposed.get("title") or case.title,
                                                             exclude=case.id),
        unverified_author=unverified,
    )

