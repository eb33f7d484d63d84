"""The Merkliste of a signed-in member (anonymous visitors keep theirs in the session)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb.models.base import Base, UTCDateTime, utcnow


class ShortlistEntry(Base):
    """A case a member saved to compare or to come back to."""

    __tablename__ = "shortlist_entry"
    __table_args__ = (UniqueConstraint("user_id", "case_id", name="uq_shortlist_entry_user_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("use_case.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ShortlistEntry user={self.user_id} case={self.case_id}>"
