"""The OpenAPI description of the API: kept in kb/web/openapi.yaml, enums filled from the database.

Shared by the API (``/api/v1/openapi.json``) and the open-data pages (``/daten/api``).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Land, Topic

SPEC_FILE = Path(__file__).parent / "openapi.yaml"


@lru_cache(maxsize=1)
def base_spec() -> dict[str, Any]:
    """Return the spec as written in openapi.yaml (cached; do not modify)."""
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def build_spec(session: Session, server_url: str | None = None) -> dict[str, Any]:
    """Return the spec with the topic and Land vocabularies as enums."""
    spec = copy.deepcopy(base_spec())
    topics = list(session.scalars(select(Topic).order_by(Topic.position)))
    lands = list(session.scalars(select(Land).order_by(Land.name)))
    parameters = spec["components"]["parameters"]
    parameters["topic"]["schema"]["items"]["enum"] = [t.name for t in topics] + [t.slug for t in topics]
    parameters["state"]["schema"]["items"]["enum"] = [land.name for land in lands] + [land.code for land in lands]
    if server_url:
        spec["servers"] = [{"url": server_url.rstrip("/"), "description": "Diese Installation"}]
    return spec
