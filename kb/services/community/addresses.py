"""Nobody's e-mail address leaves the site: public surfaces show contacts without it.

Pages, the JSON API, feeds and the public downloads use these; questions reach the contact
through the relay instead. The address stays in the database, in revisions, backups and the
operator's ``export-cases``.
"""

from __future__ import annotations

from typing import Any

PRIVATE_KEYS = ("email",)


def public_contact(contact: dict[str, Any] | None) -> dict[str, Any] | None:
    """The contact without its e-mail address (None stays None)."""
    if not contact:
        return contact
    return {key: value for key, value in contact.items() if key not in PRIVATE_KEYS}


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """An import/export record whose contact has no e-mail address."""
    if record.get("contact"):
        return {**record, "contact": public_contact(record["contact"])}
    return record
