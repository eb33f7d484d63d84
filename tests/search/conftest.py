"""Fixtures for the search package tests (kb/search/engine is a standalone library)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, Path(__file__).resolve().parent):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from search_fixtures import CORPUS  # noqa: E402


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    from kb.search.engine import create_backend

    b = create_backend("whoosh", index_dir=tmp_path_factory.mktemp("ix"), rebuild_procs=1)
    b.rebuild(CORPUS)
    yield b
    b.close()


@pytest.fixture
def fresh_backend(tmp_path):
    from kb.search.engine import create_backend

    b = create_backend("whoosh", index_dir=tmp_path / "ix", rebuild_procs=1)
    yield b
    b.close()
