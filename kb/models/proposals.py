"""Contributions held for moderation: declarations and experience reports of unconfirmed members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.accounts import User
from kb.models.base import Base, UTCDateTime, enum_column, utcnow
from kb.models.cases import UseCase
from kb.models.enums import AdoptionStatus, ProposalKind, ProposalState
from kb.models.registry import Organisation

PENDING_ONLY = text("state = 'pending'")


class AdoptionProposal(Base):
    """A declaration or experience report for an organisation that waits for a moderator.

    Accounts whose membership of the organisation is not confirmed never change the published
    adoption or report directly: what they send is stored here (state PENDING) and becomes
    the real record only when a moderator accepts it. One pending proposal of each kind per
    author, case and organisation; sending again replaces its content.
    """

    __tablename__ = "adoption_proposal"
    __table_args__ = (
        CheckConstraint("(kind = 'declaration' AND status IS NOT NULL) OR (kind = 'report' AND report IS NOT NULL)",
                        name="payload"),
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_when_closed"),
        Index("ix_adoption_proposal_state_created", "state", "created_at"),
        Index("uq_adoption_proposal_pending", "case_id", "organisation_id", "author_id", "kind", unique=True,
              sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ProposalKind] = mapped_column(enum_column(ProposalKind, "proposal_kind"))
    state: Mapped[ProposalState] = mapped_column(enum_column(ProposalState, "proposal_state"),
                                                 default=ProposalState.PENDING)
    case_id: Mapped[int] = mapped_column(ForeignKey("use_case.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[AdoptionStatus | None] = mapped_column(enum_column(AdoptionStatus, "adoption_status"))
    note: Mapped[str | None] = mapped_column(Text)
    since: Mapped[str | None] = mapped_column(String(10))  # "seit wann" of a declaration (YYYY[-MM])
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[UseCase] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.state is ProposalState.PENDING

    def __repr__(self) -> str:
        return f"<AdoptionProposal {self.kind} case={self.case_id} org={self.organisation_id} {self.state}>"
