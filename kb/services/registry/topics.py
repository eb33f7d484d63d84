"""The topic vocabulary (seed_data/topics.txt)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Topic


def slugify(text: str) -> str:
    """Make an ASCII slug: "Klima und Umwelt" → "klima-und-umwelt", "Bürgerservice" → "buergerservice"."""
    text = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def read_vocabulary(path: Path) -> list[tuple[str, str]]:
    """Return (name, description) pairs from the vocabulary file."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _sep, description = line.partition("|")
        entries.append((name.strip(), description.strip()))
    return entries


def sync_topics(session: Session, path: Path) -> int:
    """Add missing topics and update descriptions and order; return the number added. Does not commit."""
    existing = {t.name: t for t in session.scalars(select(Topic))}
    added = 0
    for position, (name, description) in enumerate(read_vocabulary(path)):
        topic = existing.get(name)
        if topic is None:
            session.add(Topic(name=name, slug=slugify(name), description=description, position=position))
            added += 1
        else:
            topic.description, topic.position = description, position
    return added
