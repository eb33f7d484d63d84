"""Read the mails the app put into $KB_DATA_DIR/outbox (no SMTP server in tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import current_app


def outbox_messages() -> list[Path]:
    """The outbox files of the current app, oldest first."""
    outbox = Path(current_app.config["KB_DATA_DIR"]) / "outbox"
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    reply_to: str | None = None
    headers: dict | None = None

    def link(self, path_fragment: str) -> str:
        """The path of the first link in the body that contains ``path_fragment``."""
        for url in re.findall(r"https?://\S+", self.body):
            if path_fragment in url:
                return re.sub(r"^https?://[^/]+", "", url)
        raise AssertionError(f"no link with {path_fragment!r} in: {self.body}")


def mails(app, to: str | None = None) -> list[Mail]:
    """All mails so far (oldest first), optionally only those to one address."""
    with app.app_context():
        paths = outbox_messages()
    found = []
    for path in paths:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        mail = Mail(str(message["To"]), str(message["Subject"]), message.get_content(),
                    str(message["Reply-To"]) if message["Reply-To"] else None, dict(message.items()))
        if to is None or mail.to == to:
            found.append(mail)
    return found
