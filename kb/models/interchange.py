"""What the catalogue exchanges with others: harvested publiccode.yml sources and the change journal."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.base import Base, UTCDateTime, enum_column, utcnow
from kb.models.cases import UseCase

#: after this many failed harvests in a row a source counts as "nicht mehr erreichbar"
UNREACHABLE_AFTER = 3


class HarvestOutcome(enum.StrEnum):
    """What the last harvest of a source did."""

    CREATED = "created"  # a new case
    UPDATED = "updated"  # the case was updated directly
    PROPOSED = "proposed"  # a curator had edited the case: the update waits in moderation
    UNCHANGED = "unchanged"  # the file was read again but says nothing new
    NOT_MODIFIED = "not_modified"  # the server answered 304 to the conditional request
    INVALID = "invalid"  # the file was read but is not a usable publiccode.yml
    FAILED = "failed"  # the file could not be read (gone, refused, timed out, too large …)


class ChangeState(enum.StrEnum):
    """Where a case stands for other catalogues."""

    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    DELETED = "deleted"


class HarvestSource(Base):
    """A publiccode.yml the harvester reads: its URL, how the last read went, the case it feeds."""

    __tablename__ = "harvest_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    fetch_url: Mapped[str | None] = mapped_column(String(1000))
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_digest: Mapped[str | None] = mapped_column(String(64))
    written_digest: Mapped[str | None] = mapped_column(String(64))  # the case's content as the harvest wrote it
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("case_revision.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("use_case.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[HarvestOutcome | None] = mapped_column(enum_column(HarvestOutcome, "harvest_outcome"))
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    harvested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[UseCase | None] = relationship()

    @property
    def unreachable(self) -> bool:
        """True once the source failed UNREACHABLE_AFTER times in a row ("Quelle nicht mehr erreichbar")."""
        return self.failures >= UNREACHABLE_AFTER

    def __repr__(self) -> str:
        return f"<HarvestSource {self.url}>"


class CaseChange(Base):
    """The last public change of a case, kept after it was unpublished or deleted (a tombstone).

    One row per slug, written in the transaction of the change (``kb.services.interchange.changes``); the
    change feeds (``/api/v1/changes``, ``/api/v1/cases?updated_since=``) read it. ``case_id`` is no
    foreign key: the row outlives a deleted case.
    """

    __tablename__ = "case_change"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    state: Mapped[ChangeState] = mapped_column(enum_column(ChangeState, "change_state"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<CaseChange {self.slug} {self.state}>"
