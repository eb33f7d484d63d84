"""Send mail: via SMTP when KB_MAIL_SERVER is set, else into the log and $KB_DATA_DIR/outbox."""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from kb.models.base import utcnow
from kb.services.private_files import private_dir, write_private

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, body: str, *, reply_to: str | None = None,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["KB_MAIL_SENDER"]
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="praxisatlas.invalid")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str, *, reply_to: str | None = None,
              headers: dict[str, str] | None = None) -> Path | None:
    """Send one plain-text mail; return the outbox file when no SMTP server is configured.

    ``reply_to`` lets the recipient answer someone else directly (the contact relay);
    ``headers`` adds e.g. List-Unsubscribe."""
    message = build_message(to, subject, body, reply_to=reply_to, headers=headers)
    config = current_app.config
    if config.get("KB_MAIL_SERVER"):
        _send_smtp(message)
        log.info("Mail an %s gesendet: %s", to, subject)
        return None
    outbox = private_dir(Path(config["KB_DATA_DIR"]) / "outbox")  # reset links in here are live
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
    write_private(path, bytes(message))
    log.info("Mail an %s (kein SMTP konfiguriert, abgelegt in %s): %s", to, path, subject)
    return path


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["KB_MAIL_SERVER"], config["KB_MAIL_PORT"], timeout=30) as smtp:
        if config["KB_MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("KB_MAIL_USERNAME"):
            smtp.login(config["KB_MAIL_USERNAME"], config["KB_MAIL_PASSWORD"] or "")
        smtp.send_message(message)
