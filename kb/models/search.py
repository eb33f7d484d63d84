"""Bookkeeping of the search index (the index itself lives outside the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from kb.models.base import Base, UTCDateTime, utcnow


class SearchOutbox(Base):
    """A case whose search document must be rewritten (written in the transaction that changed it).

    Rows are deleted once the index holds the committed state; rows left behind by a failed or
    killed index write are picked up by the next write of any process (see ``kb.search.sync``).
    ``case_id`` is no foreign key: the row must outlive a deleted case so its document is removed.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchOutbox case={self.case_id}>"
