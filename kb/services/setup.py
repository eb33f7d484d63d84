"""Create the schema, load the registry, topics and seed data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import AdoptionSource, AppSetting
from kb.models.base import utcnow
from kb.services.interchange import importing
from kb.services.registry import gazetteer as registry
from kb.services.registry import topics

SEEDED_KEY = "seed_loaded_at"


def seed_dir() -> Path:
    return Path(current_app.config["KB_SEED_DIR"])


def load_reference_data(session: Session, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Load the registry and the topic vocabulary; commit."""
    counts = registry.load_registry(session, progress=progress)
    counts["topics_added"] = topics.sync_topics(session, seed_dir() / "topics.txt")
    session.commit()
    return counts


def seed_files() -> list[Path]:
    return sorted(seed_dir().glob("cases*.jsonl"))


def has_been_seeded(session: Session) -> bool:
    return session.get(AppSetting, SEEDED_KEY) is not None


def load_seed(session: Session, progress: Callable[[int], None] | None = None) -> importing.ImportReport:
    """Import the seed cases that are not there yet (existing cases are left as they are)."""
    report = importing.import_files(
        session, seed_files(), source=AdoptionSource.SEED, skip_existing=True, progress=progress
    )
    setting = session.scalar(select(AppSetting).where(AppSetting.key == SEEDED_KEY))
    if setting is None:
        session.add(AppSetting(key=SEEDED_KEY, value=utcnow().isoformat()))
    else:
        setting.value = utcnow().isoformat()
    session.commit()
    return report
