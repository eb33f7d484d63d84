"""Small helpers for tests: write import files, count rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import func, select

from kb.extensions import db
from kb.models import UseCase

#: the form token in a page: signed with the time, so it differs between seconds (each visitor's own)
FORM_TOKEN = re.compile(r'(name="csrf[-_]token"[^>]*?(?:value|content)=")[^"]+')


def without_form_tokens(html: str) -> str:
    """The page with its form tokens left empty, to compare two answers byte for byte."""
    return FORM_TOKEN.sub(r"\1", html)


def record(slug: str, **fields) -> dict:
    """A valid import record with sensible defaults."""
    data = {
        "slug": slug,
        "title": f"Testfall {slug}",
        "summary": "Eine kurze Zusammenfassung.",
        "description": "## Lösung\n\nEine **Beschreibung** in Markdown.",
        "municipality": "Stadt Leipzig",
        "topics": ["Bürgerservice"],
        "status": "in_betrieb",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


#: what the web form needs on top of a valid record to submit (not to save a draft)
FORM_CONTACT_AND_REUSE = {"contact_name": "Bürgeramt", "contact_url": "https://example.org/kontakt",
                          "reuse": "Ein Konto beim Betreiber."}
#: the same as record data for kb.services.cases.submissions
RECORD_CONTACT_AND_REUSE = {"contact": {"name": "Bürgeramt", "url": "https://example.org/kontakt"},
                            "reuse": "Ein Konto beim Betreiber."}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def case_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(UseCase.id)))


def signed_in(app, email: str, password: str = "geheim-passwort-1"):
    """A new test client of ``app``, signed in as ``email``."""
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 303
    return client
