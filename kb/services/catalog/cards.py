"""Cases as result cards and list entries: exactly what a card shows, in three statements.

A card shows the title, summary, status, owner (name, key, Land), topics and the status mix of the
active adoptions; the API's list entries add the dates. The long texts (description, lessons,
reuse …) stay in the database.

:func:`card_summaries` gives the same as plain values (:class:`CardSummary`), read with three Core
statements and kept per process until the case's page changes: the search page and the JSON search
answers need no ORM objects.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache as built_once

from sqlalchemy import String, bindparam, cast, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from kb.models import Adoption, CaseStatus, Land, ModerationState, Organisation, UseCase, case_topic
from kb.models.usage import DEMAND_STATUSES, USE_STATUSES, Usage
from kb.services import generation
from kb.services.catalog import reference

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
    found = {c.id: c for c in session.scalars(_cards_by_id(), {"ids": ids})}
    return [found[i] for i in ids if i in found]


@built_once
def _cards_by_id():
    """The statement of :func:`load_cards` (parameter ``ids``), built once per process: SQLAlchemy
    keeps a statement's cache key, building and keying the options anew costs as much as the SQL."""
    return select(UseCase).where(UseCase.id.in_(bindparam("ids", expanding=True))).options(*card_options())


@dataclass(frozen=True, slots=True)
class CardSummary:
    """What a list entry of the API shows of a case, as plain values (the fields of
    ``case_summary`` in kb.views.api.serializers, read from the same columns)."""

    id: int
    slug: str
    title: str
    summary: str
    status: CaseStatus
    moderation: ModerationState
    published_at: datetime | None
    updated_at: datetime
    owner_name: str
    owner_key: str | None  # AGS or Kreis key (Organisation.key)
    land_name: str | None
    topics: tuple[str, ...]  # in vocabulary order (UseCase.topics)
    usage: Usage

    @property
    def is_published(self) -> bool:
        return self.moderation is ModerationState.PUBLISHED

    @property
    def topic_names(self) -> tuple[str, ...]:
        """The topics as a card shows them (``UseCase.topic_names``)."""
        return self.topics


def _adoptions(statuses: tuple | None = None):
    """The number of the card's adoptions (with one of these statuses)."""
    count = select(func.count()).where(Adoption.case_id == UseCase.id)
    if statuses is not None:
        count = count.where(Adoption.status.in_(statuses))
    return count.scalar_subquery()


#: everything a card shows in one statement: the adoptions counted by the rule of kb.models.usage
#: (users, interested, all: the rest are former users), the topic ids joined by commas
_SUMMARY_ROWS = (
    select(UseCase.id, UseCase.slug, UseCase.title, UseCase.summary, UseCase.status, UseCase.moderation,
           UseCase.published_at, UseCase.updated_at, Organisation.name, Organisation.municipality_ags,
           Organisation.kreis_key, Land.name, _adoptions(USE_STATUSES), _adoptions(DEMAND_STATUSES), _adoptions(),
           select(func.aggregate_strings(cast(case_topic.c.topic_id, String), ","))
           .where(case_topic.c.case_id == UseCase.id).scalar_subquery())
    .join(Organisation, Organisation.id == UseCase.owner_id)
    .outerjoin(Land, Land.code == Organisation.land_code)
    .where(UseCase.id.in_(bindparam("ids", expanding=True)))
)


class _SummaryStore:
    """Card summaries by case id, each kept under its case's token (bounded, thread-safe, one store
    per database): a change to one case leaves the other cases' summaries valid."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._stores: weakref.WeakKeyDictionary[Engine, OrderedDict[int, tuple[str, CardSummary]]] = (
            weakref.WeakKeyDictionary())
        self._lock = threading.Lock()

    def lookup(self, engine: Engine, tokens: dict[int, str]) -> tuple[dict[int, CardSummary], list[int]]:
        """The summaries held under the current tokens of these ids, and the ids not held."""
        with self._lock:
            store = self._stores.get(engine)
            if store is None:
                return {}, list(tokens)
            found = {}
            for case_id, token in tokens.items():
                held = store.get(case_id)
                if held is not None and held[0] == token:
                    found[case_id] = held[1]
                    store.move_to_end(case_id)
        return found, [i for i in tokens if i not in found]

    def add(self, engine: Engine, tokens: dict[int, str], summaries: Iterable[CardSummary]) -> None:
        with self._lock:
            store = self._stores.get(engine)
            if store is None:
                store = self._stores[engine] = OrderedDict()
            for summary in summaries:
                store[summary.id] = (tokens[summary.id], summary)
                store.move_to_end(summary.id)
            while len(store) > self.size:
                store.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._stores.clear()


#: about 1.5 KB a summary: 10,000 (15 MB) keep the most shown cards per process
summary_store = _SummaryStore(10_000)


def card_summaries(session: Session, ids: Iterable[int],
                   tokens: dict[int, str] | None = None) -> dict[int, CardSummary]:
    """The cards of the cases with these ids as plain values (unknown ids left out), read once per
    process and change of the case (``generation.case_tokens``: the tokens of its page, read first, in
    one statement unless the caller read them in this transaction (``tokens``); three Core statements
    for the cards not held)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    given = tokens or {}
    unknown = [i for i in ids if i not in given]
    tokens = {i: given[i] for i in ids if i in given}
    if unknown:
        tokens.update(generation.case_tokens(session, unknown))
    engine = session.get_bind()
    found, missing = summary_store.lookup(engine, tokens)
    if missing:
        loaded = _read_summaries(session, missing)
        summary_store.add(engine, tokens, loaded.values())
        found.update(loaded)
    return found


def _read_summaries(session: Session, ids: list[int]) -> dict[int, CardSummary]:
    # Core on the session's transaction: a third of the ORM's cost
    rows = session.connection().execute(_SUMMARY_ROWS, {"ids": ids}).all()
    if not rows:
        return {}
    vocabulary = {t.id: t for t in reference.topics(session)}
    out: dict[int, CardSummary] = {}
    for (case_id, slug, title, summary, status, moderation, published_at, updated_at, owner_name, ags,
         kreis_key, land_name, users, interested, adoptions, topic_ids) in rows:
        shown = sorted((vocabulary[int(t)] for t in topic_ids.split(",") if int(t) in vocabulary),
                       key=lambda t: (t.position, t.id)) if topic_ids else ()
        out[case_id] = CardSummary(
            case_id, slug, title, summary, status, moderation, published_at, updated_at, owner_name,
            ags or kreis_key, land_name, tuple(t.name for t in shown),
            Usage(users, interested, adoptions - users - interested))
    return out
