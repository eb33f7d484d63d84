"""Cases as result cards and list entries: exactly what a card shows, in three statements.

A card shows the title, summary, status, owner (name, key, Land), topics and the status mix of the
active adoptions; the API's list entries add the dates. The long texts (description, lessons,
reuse …) stay in the database.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from kb.models import Adoption, Organisation, UseCase

CARD_COLUMNS = (UseCase.slug, UseCase.title, UseCase.summary, UseCase.owner_id, UseCase.status,
                UseCase.moderation, UseCase.published_at, UseCase.updated_at)


def card_options(*extra_columns):
    """Loader options of a card: its columns (and ``extra_columns``), owner with Land, topics,
    adoption statuses."""
    return (
        load_only(*CARD_COLUMNS, *extra_columns),
        joinedload(UseCase.owner, innerjoin=True).joinedload(Organisation.land),
        selectinload(UseCase.topics),
        selectinload(UseCase.adoptions).load_only(Adoption.status, Adoption.case_id).lazyload(Adoption.organisation),
    )


def load_cards(session: Session, ids: Iterable[int]) -> list[UseCase]:
    """The cases with these ids as cards, in the order of ``ids`` (unknown ids left out)."""
    ids = list(ids)
    if not ids:
        return []
    found = {c.id: c for c in session.scalars(select(UseCase).where(UseCase.id.in_(ids)).options(*card_options()))}
    return [found[i] for i in ids if i in found]
