"""Rate limits for members' actions (contact relay, follows), counted in the action log.

A sliding window of one hour: an action is refused when the account – or the client address,
whichever account uses it – already reached its allowance. The address is stored only as a
keyed hash, enough to count by, not to read.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.models import ActionKind, ActionLog, User
from kb.models.base import utcnow

WINDOW = timedelta(hours=1)


class Throttled(Exception):
    """Too many actions of this kind; ``minutes`` until the oldest one leaves the window."""

    def __init__(self, minutes: int) -> None:
        super().__init__(_("Sie haben diese Aktion in der letzten Stunde zu oft ausgeführt. Bitte versuchen "
                           "Sie es in %(minutes)d Minuten noch einmal.", minutes=minutes))
        self.minutes = minutes


def client_key(address: str | None) -> str:
    """A keyed hash of the client address (the address itself is not stored)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, (address or "-").encode(), hashlib.sha256).hexdigest()[:32]


def allowances(kind: ActionKind) -> tuple[int, int]:
    """Per account and per address, per hour."""
    config = current_app.config
    if kind is ActionKind.RELAY:
        return int(config["KB_RELAY_PER_HOUR"]), int(config["KB_RELAY_PER_HOUR_PER_ADDRESS"])
    per_account = int(config["KB_FOLLOW_PER_HOUR"])
    return per_account, 2 * per_account


def check(session: Session, kind: ActionKind, user: User, client: str) -> None:
    """Raise Throttled if the account or the address used up its allowance for the last hour."""
    since = utcnow() - WINDOW
    per_account, per_address = allowances(kind)
    for column, value, allowance in ((ActionLog.user_id, user.id, per_account),
                                     (ActionLog.client, client, per_address)):
        count, oldest = session.execute(
            select(func.count(ActionLog.id), func.min(ActionLog.created_at))
            .where(ActionLog.kind == kind, column == value, ActionLog.created_at > since)
        ).one()
        if count >= allowance:
            wait = (oldest + WINDOW - utcnow()).total_seconds() if oldest else WINDOW.total_seconds()
            raise Throttled(max(1, math.ceil(wait / 60)))


def log(session: Session, kind: ActionKind, user: User, client: str, target: str,
        recipients: int = 0) -> ActionLog:
    """Add one entry (who, from where, to what, how many recipients – never the content)."""
    entry = ActionLog(kind=kind, user_id=user.id, client=client, target=target[:120], recipients=recipients)
    session.add(entry)
    return entry
