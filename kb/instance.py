"""The instance's data directory and its generated secret key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from kb.services.private_files import private_dir


def ensure_data_dir(app: Flask) -> Path:
    """Create ``KB_DATA_DIR`` (and its uploads/ and outbox/) if missing; only the owner may enter them."""
    data_dir = Path(app.config["KB_DATA_DIR"])
    for sub in ("", "uploads", "outbox"):
        private_dir(data_dir / sub)
    return data_dir


def ensure_secret_key(app: Flask) -> None:
    """Use ``KB_SECRET_KEY``; outside production generate one once into the data directory."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError(
            "KB_SECRET_KEY ist nicht gesetzt. Im Produktionsbetrieb (KB_ENV=production) "
            "muss ein geheimer Schlüssel gesetzt sein, z. B. "
            "KB_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    key_file = Path(app.config["KB_DATA_DIR"]) / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()
