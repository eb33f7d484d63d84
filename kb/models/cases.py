"""Use cases, topics, adoptions and experience reports."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.base import Base, UTCDateTime, enum_column, utcnow
from kb.models.enums import (
    AdoptionSource,
    AdoptionStatus,
    CaseStatus,
    Hosting,
    ModerationState,
    OperatorKind,
    ReusePathKind,
)
from kb.models.registry import Organisation
from kb.models.usage import Usage, split, usage_of

if TYPE_CHECKING:
    from kb.models.accounts import User

case_topic = Table(
    "case_topic",
    Base.metadata,
    Column("case_id", ForeignKey("use_case.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Topic(Base):
    """A topic of the controlled vocabulary (seed_data/topics.txt)."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Topic {self.name}>"


class UseCase(Base):
    """A solution a municipality (or other body) runs, described for others to re-use."""

    __tablename__ = "use_case"
    __table_args__ = (
        Index("ix_use_case_moderation_published", "moderation", "published_at"),
        CheckConstraint("costs_once_eur IS NULL OR (costs_once_eur >= 0 AND costs_once_eur <= 100000000)",
                        name="costs_once_range"),
        CheckConstraint("costs_yearly_eur IS NULL OR (costs_yearly_eur >= 0 AND costs_yearly_eur <= 100000000)",
                        name="costs_yearly_range"),
        CheckConstraint("effort_person_days IS NULL OR (effort_person_days >= 0 AND effort_person_days <= 100000)",
                        name="effort_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, "case_status"), index=True)
    moderation: Mapped[ModerationState] = mapped_column(
        enum_column(ModerationState, "moderation_state"), default=ModerationState.DRAFT
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    license: Mapped[str | None] = mapped_column(String(100))
    repository: Mapped[str | None] = mapped_column(String(500))
    started: Mapped[str | None] = mapped_column(String(10))
    costs: Mapped[str | None] = mapped_column(Text)
    lessons: Mapped[str | None] = mapped_column(Text)
    reuse: Mapped[str | None] = mapped_column(Text)
    operator_kind: Mapped[OperatorKind | None] = mapped_column(enum_column(OperatorKind, "operator_kind"))
    operator_name: Mapped[str | None] = mapped_column(String(200))
    hosting: Mapped[Hosting | None] = mapped_column(enum_column(Hosting, "hosting"))
    costs_once_eur: Mapped[int | None] = mapped_column(Integer)
    costs_yearly_eur: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[str | None] = mapped_column(String(500))
    effort_person_days: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    owner: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    topics: Mapped[list[Topic]] = relationship(secondary=case_topic, order_by=Topic.position)
    adoptions: Mapped[list[Adoption]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="(Adoption.created_at, Adoption.id)"
    )
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reuse_paths: Mapped[list[ReusePath]] = relationship(
        cascade="all, delete-orphan", order_by="ReusePath.position"
    )

    @property
    def is_published(self) -> bool:
        return self.moderation is ModerationState.PUBLISHED

    @property
    def owner_name(self) -> str:
        return self.owner.name

    @property
    def land_name(self) -> str | None:
        """The Land of the owner (a card's line "Jena · Thüringen")."""
        return self.owner.land.name if self.owner.land else None

    @property
    def topic_names(self) -> list[str]:
        return [topic.name for topic in self.topics]

    @property
    def is_software(self) -> bool:
        return bool(self.repository)

    @property
    def usage(self) -> Usage:
        """Users, interested and former users (kb.models.usage, the one counting rule)."""
        return usage_of(self.adoptions)

    @property
    def user_adoptions(self) -> list[Adoption]:
        """Adoptions that are a use (pilot or in_betrieb)."""
        return split(self.adoptions)[0]

    @property
    def interested_adoptions(self) -> list[Adoption]:
        return split(self.adoptions)[1]

    @property
    def former_adoptions(self) -> list[Adoption]:
        return split(self.adoptions)[2]

    def __repr__(self) -> str:
        return f"<UseCase {self.slug}>"


class ReusePath(Base):
    """One way another municipality can get a case ("Wie kommt man dran"), with note and link."""

    __tablename__ = "reuse_path"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_reuse_path_case_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("use_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReusePathKind] = mapped_column(enum_column(ReusePathKind, "reuse_path_kind"))
    note: Mapped[str | None] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def as_record(self) -> dict[str, str]:
        """The path as in an import record: ``{"kind", "note"?, "link"?}``."""
        return {k: v for k, v in (("kind", self.kind.value), ("note", self.note), ("link", self.link)) if v}


class Adoption(Base):
    """An organisation re-uses a case ("Wir nutzen das auch"); one per case and organisation."""

    __tablename__ = "adoption"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id", name="uq_adoption_case_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("use_case.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[AdoptionStatus] = mapped_column(enum_column(AdoptionStatus, "adoption_status"))
    note: Mapped[str | None] = mapped_column(Text)
    since: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[AdoptionSource] = mapped_column(enum_column(AdoptionSource, "adoption_source"))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    moderation_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[UseCase] = relationship(back_populates="adoptions")
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    declared_by: Mapped[User | None] = relationship(foreign_keys=[declared_by_id])
    report: Mapped[ExperienceReport | None] = relationship(
        back_populates="adoption", cascade="all, delete-orphan", uselist=False
    )

    def __repr__(self) -> str:
        return f"<Adoption case={self.case_id} org={self.organisation_id} {self.status}>"


class ExperienceReport(Base):
    """What an adopter learned: effort, cost, adaptations, pitfalls, recommendation."""

    __tablename__ = "experience_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(
        ForeignKey("adoption.id", ondelete="CASCADE"), unique=True
    )
    months_to_live: Mapped[int | None] = mapped_column(Integer)
    effort_person_days: Mapped[int | None] = mapped_column(Integer)
    cost_band: Mapped[str | None] = mapped_column(String(40))
    adapted: Mapped[str | None] = mapped_column(Text)
    data_prerequisites: Mapped[str | None] = mapped_column(Text)
    pitfalls: Mapped[str | None] = mapped_column(Text)
    recommend: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    adoption: Mapped[Adoption] = relationship(back_populates="report")
