"""Accounts, login attempts, API tokens, revisions and the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.base import Base, UTCDateTime, enum_column, utcnow
from kb.models.enums import RevisionState, Role
from kb.models.registry import Municipality, Organisation


def new_session_version() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Base):
    """A person with an account; may belong to a municipality or organisation."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), default=Role.READER)
    municipality_ags: Mapped[str | None] = mapped_column(ForeignKey("municipality.ags"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    membership_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session of this account; a new value ends them all (logout, password, role …).
    session_version: Mapped[str] = mapped_column(String(32), default=new_session_version, server_default="0")

    municipality: Mapped[Municipality | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session (and a remember cookie) stores
        return f"{self.id}:{self.session_version}"

    def has_role(self, role: Role) -> bool:
        return self.role.at_least(role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginAttempt(Base):
    """One login attempt, for throttling per account and per address."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    # kb.services.accounts.authentication.Outcome, "reset" or "unlocked"; NULL for attempts before migration 0005
    outcome: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ApiToken(Base):
    """A write token for integrations, scoped to one organisation; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()


class CaseRevision(Base):
    """A full snapshot of a case's editable fields, numbered per case."""

    __tablename__ = "case_revision"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_case_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("use_case.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[RevisionState] = mapped_column(enum_column(RevisionState, "revision_state"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """Who did what, when and why (moderation, adoptions, roles, imports)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(120), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("use_case.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


class AppSetting(Base):
    """Small key/value facts about this installation (e.g. when seed data was loaded)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
