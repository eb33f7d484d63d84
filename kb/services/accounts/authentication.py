"""Sign-in with a progressive lock-out per account and a fixed limit per client address.

Per account: the first ``KB_LOGIN_MAX_FAILURES - 1`` wrong passwords cost nothing; from then on
each wrong password locks the account for a delay that doubles (30 s, 1 min, 2 min, …) up to
``KB_LOGIN_LOCK_MINUTES``. Attempts during a lock are refused without checking the password and
do not make it longer. The series ends with a successful sign-in, a sign-in through a reset link
or an admin's unlock, and forgets failures older than a day. So an attacker who knows an address
can delay its owner's sign-in, but not shut them out: the reset link always signs them in.

Per address: ``KB_LOGIN_MAX_FAILURES_PER_ADDRESS`` failed attempts within ``KB_LOGIN_LOCK_MINUTES``
lock that client address out for every account.

Unknown addresses behave like known ones (same messages, same delays, a password hash is checked
either way), so the login form does not tell which addresses have accounts: both are computed
from the recorded attempts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from kb.models import LoginAttempt, User
from kb.models.base import utcnow
from kb.services import audit
from kb.services.accounts import users as accounts

KEEP_ATTEMPTS = timedelta(days=30)
FIRST_DELAY = timedelta(seconds=30)
SERIES_WINDOW = timedelta(days=1)
SERIES_LIMIT = 50  # rows read per sign-in; the delay is at its cap long before
RESET = "reset"  # outcome of a sign-in through a reset link
UNLOCKED = "unlocked"  # an admin lifted the lock


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
    lock: timedelta  # the per-address window and lock, and the cap of the per-account delay

    def delay(self, failures: int) -> timedelta:
        """How long the account stays locked after ``failures`` wrong passwords in a row."""
        if failures < self.max_failures:
            return timedelta(0)
        return min(self.lock, FIRST_DELAY * 2 ** min(failures - self.max_failures, 20))

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(int(config.get("KB_LOGIN_MAX_FAILURES", 5)),
                   int(config.get("KB_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)),
                   timedelta(minutes=int(config.get("KB_LOGIN_LOCK_MINUTES", 15))))


def _dummy_hash() -> str:
    """A hash to check unknown addresses against, as costly as an account's (same method)."""
    return _dummy_hash_for(accounts.password_hash_method())


@lru_cache(maxsize=4)
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("kein-konto-nur-zeitausgleich", method=method)


def authenticate(session: Session, email: str, password: str, remote_addr: str,
                 now: datetime | None = None) -> LoginResult:
    """Check e-mail and password, record the attempt and commit."""
    now = now or utcnow()
    limits = Limits.from_config()
    email = accounts.normalise_email(email or "")[:254]
    remote_addr = (remote_addr or "-")[:64]
    attempt = Attempt(session, email, remote_addr, now)
    _prune(session, now)
    if _failures(session, LoginAttempt.remote_addr == remote_addr, now - limits.lock) >= limits.max_per_address:
        return attempt.finish(LoginResult(Outcome.ADDRESS_LOCKED, retry_after=int(limits.lock.total_seconds())))
    user = accounts.find_by_email(session, email)
    failures, last_failure = _series(session, email, now)
    locked = _remaining(last_failure, limits.delay(failures), now)
    if locked:
        return attempt.finish(LoginResult(Outcome.LOCKED, retry_after=locked))
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return _failed(attempt, None, failures + 1, limits)
    if not check_password_hash(user.password_hash, password or ""):
        return _failed(attempt, user, failures + 1, limits)
    if not user.active:
        return attempt.finish(LoginResult(Outcome.INACTIVE, user))
    if user.email_confirmed_at is None:
        return attempt.finish(LoginResult(Outcome.UNCONFIRMED, user))
    user.last_login_at = now
    _clear(user)
    return attempt.finish(LoginResult(Outcome.OK, user))


@dataclass
class Attempt:
    """The attempt being answered: recorded with its outcome when it is finished."""

    session: Session
    email: str
    remote_addr: str
    now: datetime

    def finish(self, result: LoginResult, recorded: Outcome | None = None) -> LoginResult:
        """Record the attempt (as ``recorded``, else as its outcome), commit, return ``result``."""
        self.session.add(LoginAttempt(email=self.email, remote_addr=self.remote_addr, success=result.ok,
                                      outcome=(recorded or result.outcome).value, created_at=self.now))
        self.session.commit()
        return result


def _failures(session: Session, condition, since: datetime) -> int:
    return session.scalar(
        select(func.count(LoginAttempt.id)).where(condition, LoginAttempt.success.is_(False),
                                                  LoginAttempt.created_at >= since)
    ) or 0


def _series(session: Session, email: str, now: datetime) -> tuple[int, datetime | None]:
    """Wrong passwords for ``email`` since its last success (or unlock) within a day, and the latest."""
    rows = session.execute(
        select(LoginAttempt.success, LoginAttempt.outcome, LoginAttempt.created_at)
        .where(LoginAttempt.email == email, LoginAttempt.created_at >= now - SERIES_WINDOW)
        .order_by(LoginAttempt.created_at.desc(), LoginAttempt.id.desc()).limit(SERIES_LIMIT)
    ).all()
    failures, latest = 0, None
    for success, outcome, created_at in rows:
        if success:
            break
        if outcome in (Outcome.INVALID.value, None):  # None: recorded before outcomes were
            failures += 1
            latest = latest or created_at
    return failures, latest


def _remaining(last_failure: datetime | None, delay: timedelta, now: datetime) -> int:
    """Seconds until ``delay`` after the last failure has passed, 0 if it has."""
    if last_failure is None or not delay:
        return 0
    left = (last_failure + delay - now).total_seconds()
    return int(left) + 1 if left > 0 else 0


def _failed(attempt: Attempt, user: User | None, failures: int, limits: Limits) -> LoginResult:
    """Count a wrong password; from the limit on, lock the account for a growing delay."""
    delay = limits.delay(failures)
    if user is not None:
        user.failed_logins = failures
        user.locked_until = attempt.now + delay if delay else None
        if delay:
            audit.record(attempt.session, None, "user.locked", user,
                         data={"remote_addr": attempt.remote_addr, "seconds": int(delay.total_seconds())})
    if not delay:
        return attempt.finish(LoginResult(Outcome.INVALID))
    return attempt.finish(LoginResult(Outcome.LOCKED, retry_after=int(delay.total_seconds())),
                          recorded=Outcome.INVALID)


def _clear(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None


def record_reset_sign_in(session: Session, user: User, remote_addr: str) -> None:
    """A sign-in through a reset link: ends the failure series and the lock (does not commit)."""
    _clear(user)
    user.last_login_at = utcnow()
    session.add(LoginAttempt(email=user.email, remote_addr=(remote_addr or "-")[:64], success=True,
                             outcome=RESET, created_at=utcnow()))


def record_unlock(session: Session, user: User) -> None:
    """An admin lifted the lock: the failure series ends (does not commit)."""
    _clear(user)
    session.add(LoginAttempt(email=user.email, remote_addr="-", success=True, outcome=UNLOCKED,
                             created_at=utcnow()))


def _prune(session: Session, now: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - KEEP_ATTEMPTS))
