"""What the Steckbrief PDF of a case shows: facts, users by size, and a shortened re-use text.

The PDF is meant for a council paper: one A4 page. Long texts are cut at a paragraph boundary,
long lists of users after USERS_MAX names, each with a pointer to the full description online.
"""

from __future__ import annotations

from typing import Any

from kb.models import UseCase, size_classes
from kb.models.usage import split
from kb.services.catalog import glance

REUSE_TEXT_MAX = 600
USERS_MAX = 30


def shorten(markdown: str | None, limit: int = REUSE_TEXT_MAX) -> str:
    """Whole paragraphs of ``markdown`` up to about ``limit`` characters ("…" if cut)."""
    text = (markdown or "").strip()
    if len(text) <= limit:
        return text
    kept, size = [], 0
    for paragraph in text.split("\n\n"):
        if kept and size + len(paragraph) > limit:
            break
        kept.append(paragraph if len(paragraph) <= limit else paragraph[:limit].rsplit(" ", 1)[0] + " …")
        size += len(paragraph)
    return "\n\n".join(kept) + "\n\n…"


def context(case: UseCase) -> dict[str, Any]:
    """The template context of ``catalog/steckbrief.html`` (without URLs and dates)."""
    _users, interested, former = split(case.adoptions)
    places = size_classes.peer_places(case)  # the users and the owner running it, as on the case page
    shown = places[:USERS_MAX]
    return {
        "case": case,
        "g": glance.glance(case),
        "facts": [(key, str(label)) for key, label in glance.FACTS],
        "groups": size_classes.group(shown),
        "more_users": len(places) - len(shown),
        "interested": interested,
        "former": former,
        "reuse_text": shorten(case.reuse),
    }
