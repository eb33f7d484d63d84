"""A moderator's decision on something held (a case, an adoption proposal): the error it raises
and the one check of its reason."""

from __future__ import annotations

from flask_babel import gettext as _

MAX_REASON = 2000


class ModerationError(ValueError):
    """A decision cannot be taken; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def clean_reason(reason: str | None, *, required: bool, missing: str) -> str:
    """The stripped reason of a decision; ModerationError if it is too long, or ``missing`` if required."""
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ModerationError("reason", _("Die Begründung ist zu lang (höchstens %(n)d Zeichen).", n=MAX_REASON))
    if required and not reason:
        raise ModerationError("reason", missing)
    return reason
