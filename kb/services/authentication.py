"""Sign-in with lock-out after repeated failures, per account and per address.

Unknown addresses behave like known ones (same messages, same lock-out, a password hash
is checked either way), so the login form does not tell which addresses have accounts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from kb.model_base import utcnow
from kb.models import LoginAttempt, User
from kb.services import accounts, audit

KEEP_ATTEMPTS = timedelta(days=30)


class Outcome(enum.StrEnum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"
    ADDRESS_LOCKED = "address_locked"
    UNCONFIRMED = "unconfirmed"
    INACTIVE = "inactive"


@dataclass
class LoginResult:
    """What a sign-in attempt came to; ``retry_after`` in seconds for lock-outs."""

    outcome: Outcome
    user: User | None = None
    retry_after: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


@dataclass(frozen=True)
class Limits:
    max_failures: int
    max_per_address: int
    lock: timedelta

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(int(config.get("KB_LOGIN_MAX_FAILURES", 5)),
                   int(config.get("KB_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)),
                   timedelta(minutes=int(config.get("KB_LOGIN_LOCK_MINUTES", 15))))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return accounts.hash_password("kein-konto-nur-zeitausgleich")


def authenticate(session: Session, email: str, password: str, remote_addr: str,
                 now: datetime | None = None) -> LoginResult:
    """Check e-mail and password, record the attempt and commit."""
    now = now or utcnow()
    limits = Limits.from_config()
    email = accounts.normalise_email(email or "")[:254]
    remote_addr = (remote_addr or "-")[:64]
    _prune(session, now)
    if _failures(session, LoginAttempt.remote_addr == remote_addr, now - limits.lock) >= limits.max_per_address:
        return _finish(session, email, remote_addr, LoginResult(Outcome.ADDRESS_LOCKED,
                       retry_after=int(limits.lock.total_seconds())))
    user = accounts.find_by_email(session, email)
    locked = _locked_for(session, user, email, now, limits)
    if locked:
        return _finish(session, email, remote_addr, LoginResult(Outcome.LOCKED, retry_after=locked))
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return _failed(session, None, email, remote_addr, now, limits)
    if not check_password_hash(user.password_hash, password or ""):
        return _failed(session, user, email, remote_addr, now, limits)
    if not user.active:
        return _finish(session, email, remote_addr, LoginResult(Outcome.INACTIVE, user))
    if user.email_confirmed_at is None:
        return _finish(session, email, remote_addr, LoginResult(Outcome.UNCONFIRMED, user))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return _finish(session, email, remote_addr, LoginResult(Outcome.OK, user), success=True)


def _failures(session: Session, condition, since: datetime) -> int:
    return session.scalar(
        select(func.count(LoginAttempt.id)).where(condition, LoginAttempt.success.is_(False),
                                                  LoginAttempt.created_at >= since)
    ) or 0


def _locked_for(session: Session, user: User | None, email: str, now: datetime, limits: Limits) -> int:
    """Seconds the account (or unknown address) stays locked, 0 if it is not locked."""
    if user is not None:
        if user.locked_until is not None and user.locked_until > now:
            return int((user.locked_until - now).total_seconds()) + 1
        return 0
    recent = session.scalars(
        select(LoginAttempt.created_at).where(LoginAttempt.email == email, LoginAttempt.success.is_(False),
                                              LoginAttempt.created_at >= now - limits.lock)
        .order_by(LoginAttempt.created_at.desc()).limit(limits.max_failures)
    ).all()
    if len(recent) < limits.max_failures:
        return 0
    return int((recent[-1] + limits.lock - now).total_seconds()) + 1


def _failed(session: Session, user: User | None, email: str, remote_addr: str, now: datetime,
            limits: Limits) -> LoginResult:
    """Count a wrong password; lock the account when the limit is reached."""
    if user is None:
        failures = _failures(session, LoginAttempt.email == email, now - limits.lock) + 1
    else:
        user.failed_logins = (user.failed_logins or 0) + 1
        failures = user.failed_logins
    if failures < limits.max_failures:
        return _finish(session, email, remote_addr, LoginResult(Outcome.INVALID))
    if user is not None:
        user.failed_logins = 0
        user.locked_until = now + limits.lock
        audit.record(session, None, "user.locked", user, data={"remote_addr": remote_addr})
    return _finish(session, email, remote_addr,
                   LoginResult(Outcome.LOCKED, retry_after=int(limits.lock.total_seconds())))


def _finish(session: Session, email: str, remote_addr: str, result: LoginResult,
            success: bool = False) -> LoginResult:
    session.add(LoginAttempt(email=email, remote_addr=remote_addr, success=success))
    session.commit()
    return result


def _prune(session: Session, now: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - KEEP_ATTEMPTS))

