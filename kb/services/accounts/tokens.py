"""Signed, expiring tokens for e-mail links (confirmation, password reset)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM_EMAIL = "confirm-email"
RESET = "reset-password"


class TokenError(ValueError):
    """A token is forged, damaged or expired; ``expired`` tells which."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kb-{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    """Sign ``payload`` for one purpose (a token for one purpose never works for another)."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age_seconds: int) -> dict[str, Any]:
    """Return the payload; raise TokenError if the token is invalid or older than max_age."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenError(expired=True) from None
    except BadSignature:
        raise TokenError() from None
    if not isinstance(payload, dict):
        raise TokenError()
    return payload
