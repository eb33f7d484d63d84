"""People and demand: referents, follows, updates, needs and the log of relayed messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.accounts import User
from kb.models.base import Base, UTCDateTime, enum_column, utcnow
from kb.models.cases import Topic, UseCase
from kb.models.enums import ActionKind, FollowKind, ModerationState, NeedStatus, UpdateKind
from kb.models.registry import Organisation


class Referent(Base):
    """A member who answers questions about their organisation's use (or running) of a case.

    Shown with name and role, never with the e-mail address; the contact relay writes to them.
    """

    __tablename__ = "referent"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id", name="uq_referent_case_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("use_case.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[UseCase] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


class Follow(Base):
    """A member follows a case, topic, municipality or need; ``ref`` is its id or registry key."""

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("user_id", "kind", "ref", name="uq_follow_user_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FollowKind] = mapped_column(enum_column(FollowKind, "follow_kind"))
    ref: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Need(Base):
    """A municipality needs a solution nobody has described yet ("Bedarf melden"); moderated."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    budget: Mapped[str | None] = mapped_column(String(200))
    timeline: Mapped[str | None] = mapped_column(String(200))
    moderation: Mapped[ModerationState] = mapped_column(
        enum_column(ModerationState, "need_moderation"), default=ModerationState.SUBMITTED, index=True)
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus, "need_status"), default=NeedStatus.OPEN)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    topic: Mapped[Topic] = relationship()
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()
    members: Mapped[list[NeedMember]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="(NeedMember.created_at, NeedMember.id)")

    @property
    def is_published(self) -> bool:
        return self.moderation is ModerationState.PUBLISHED

    @property
    def is_open(self) -> bool:
        return self.status is NeedStatus.OPEN


class NeedMember(Base):
    """Another municipality has the same need ("wir auch"); ``user`` joined for it."""

    __tablename__ = "need_member"
    __table_args__ = (UniqueConstraint("need_id", "organisation_id", name="uq_need_member_need_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[Need] = relationship(back_populates="members")
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User | None] = relationship()


class UpdateEvent(Base):
    """Something that happened to a case or need, for the update feeds and the digest mails."""

    __tablename__ = "update_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[UpdateKind] = mapped_column(enum_column(UpdateKind, "update_kind"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("use_case.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    case: Mapped[UseCase | None] = relationship()
    need: Mapped[Need | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class ActionLog(Base):
    """One rate-limited action (a relayed message, a follow): who, from where, to what – no content.

    ``client`` is a keyed hash of the client address, enough to count per address without
    storing it.
    """

    __tablename__ = "action_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActionKind] = mapped_column(enum_column(ActionKind, "action_kind"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(120))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
