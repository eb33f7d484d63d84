"""Read the published catalogue: lists with filters, facets, single cases, key figures.

Figures that do not depend on the visitor (facet counts, totals, the start page's selections) are
computed once per data generation and process (``kb.services.generation.cache``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache as built_once

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from kb.models import (
    Adoption,
    CaseStatus,
    Land,
    ModerationState,
    Municipality,
    Organisation,
    Role,
    Topic,
    UseCase,
    User,
    case_topic,
    size_classes,
    usage,
)
from kb.search.engine.places import land_name
from kb.services.catalog import reference
from kb.services.catalog.cards import CardSummary, card_options, card_summaries, load_cards
from kb.services.generation import cache
from kb.services.paging import Page


@dataclass
class CaseFilters:
    """Filters of the catalogue: several values within a filter are OR, filters are AND."""

    topics: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)  # size class keys of the users (browsing only)

    @property
    def active(self) -> bool:
        return bool(self.topics or self.states or self.statuses or self.sizes)


class FilterError(ValueError):
    """A filter value that names nothing (unknown topic, Land or status)."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"{name}={value}")
        self.name = name
        self.value = value


def resolve_filters(session: Session, filters: CaseFilters) -> tuple[list[int], list[str], list[CaseStatus]]:
    """Turn filter values (names or slugs/codes) into ids; raise FilterError for unknown ones."""
    topics = reference.topic_lookup(session)
    lands = reference.land_lookup(session)
    topic_ids, land_codes, statuses = [], [], []
    for value in filters.topics:
        if value.casefold() not in topics:
            raise FilterError("topic", value)
        topic_ids.append(topics[value.casefold()])
    for value in filters.states:
        code = lands.get(value.casefold()) or lands.get((land_name(value) or "").casefold())
        if code is None:
            raise FilterError("state", value)
        land_codes.append(code)
    for value in filters.statuses:
        try:
            statuses.append(CaseStatus(value))
        except ValueError:
            raise FilterError("status", value) from None
    return topic_ids, land_codes, statuses


def resolve_sizes(filters: CaseFilters) -> list[str]:
    """The size class keys of the filter; raise FilterError for an unknown one."""
    for value in filters.sizes:
        if value not in size_classes.BY_KEY:
            raise FilterError("size", value)
    return list(dict.fromkeys(filters.sizes))


def _resolve_all(session: Session, filters: CaseFilters) -> tuple:
    """(topic ids, Land codes, statuses, size class keys) of the filters."""
    return (*resolve_filters(session, filters), resolve_sizes(filters))


def running_places() -> Select:
    """Rows (case_id, organisation_id) of every organisation a case runs at: its users (pilot or
    in Betrieb) and its owner while the case itself is in pilot or in Betrieb."""
    users = select(Adoption.case_id.label("case_id"), Adoption.organisation_id.label("organisation_id")).where(
        usage.uses_clause())
    owners = select(UseCase.id, UseCase.owner_id).where(UseCase.status.in_(usage.OWNER_RUNS_STATUSES))
    return users.union(owners)


def _running_in(sizes: list[str]) -> Select:
    places = running_places().subquery()
    return select(places.c.case_id).where(places.c.organisation_id.in_(size_classes.organisations_in(sizes)))


def _published() -> Select:
    return select(UseCase).where(UseCase.moderation == ModerationState.PUBLISHED)


def _apply_filters(stmt: Select, topic_ids, land_codes, statuses, sizes=()) -> Select:
    if topic_ids:
        stmt = stmt.where(
            UseCase.id.in_(select(case_topic.c.case_id).where(case_topic.c.topic_id.in_(topic_ids)))
        )
    if land_codes:
        stmt = stmt.where(
            UseCase.owner_id.in_(select(Organisation.id).where(Organisation.land_code.in_(land_codes)))
        )
    if statuses:
        stmt = stmt.where(UseCase.status.in_(statuses))
    if sizes:
        stmt = stmt.where(UseCase.id.in_(_running_in(list(sizes))))
    return stmt


def adoption_counts() -> Select:
    """Count the users of each case (a subquery with case_id, n): the counting rule of kb.models.usage."""
    return (
        select(Adoption.case_id, func.count(Adoption.id).label("n"))
        .where(usage.uses_clause())
        .group_by(Adoption.case_id)
        .subquery()
    )


def list_published(
    session: Session, filters: CaseFilters, page: int = 1, per_page: int = 10, sort: str = "newest"
) -> Page[UseCase]:
    """Return one page of published cases matching the filters (as cards)."""
    resolved = _resolve_all(session, filters)
    stmt = _apply_filters(_published(), *resolved)
    total = cache.get(session, ("total", _key(resolved)), lambda: session.scalar(
        _apply_filters(select(func.count(UseCase.id)).where(UseCase.moderation == ModerationState.PUBLISHED),
                       *resolved)) or 0)
    stmt = _sorted(stmt, sort).options(*card_options()).limit(per_page).offset((page - 1) * per_page)
    return Page(list(session.scalars(stmt)), total, page, per_page)


def _sorted(stmt: Select, sort: str) -> Select:
    """Newest first, most adopted first (then newest) or by title."""
    if sort == "adoption":
        counts = adoption_counts()
        return stmt.outerjoin(counts, counts.c.case_id == UseCase.id).order_by(
            func.coalesce(counts.c.n, 0).desc(), UseCase.published_at.desc()
        )
    if sort == "title":
        return stmt.order_by(UseCase.title)
    return stmt.order_by(UseCase.published_at.desc(), UseCase.id.desc())


def _key(resolved: tuple) -> tuple:
    topic_ids, land_codes, statuses, sizes = resolved
    return (tuple(sorted(topic_ids)), tuple(sorted(land_codes)), tuple(sorted(s.value for s in statuses)),
            tuple(sorted(sizes)))


def case_list_options(*extra_columns):
    """Loader options for showing cases in lists: what a card shows (``cards.card_options``)."""
    return card_options(*extra_columns)


def facet_counts(session: Session, filters: CaseFilters) -> dict[str, dict[str, int]]:
    """Count published cases per topic, Land, status and users' size class; each facet ignores its
    own filter."""
    resolved = _resolve_all(session, filters)
    return cache.get(session, ("facets", _key(resolved)), lambda: _facet_counts(session, *resolved))


def _facet_counts(session: Session, topic_ids, land_codes, statuses, sizes) -> dict[str, dict[str, int]]:
    base = UseCase.moderation == ModerationState.PUBLISHED

    def ids(t, lc, st, sz=sizes):
        return _apply_filters(select(UseCase.id).where(base), t, lc, st, sz).subquery()

    by_topic = ids([], land_codes, statuses)
    topic_rows = session.execute(
        select(Topic.name, func.count(case_topic.c.case_id))
        .join(case_topic, case_topic.c.topic_id == Topic.id)
        .where(case_topic.c.case_id.in_(select(by_topic.c.id)))
        .group_by(Topic.name)
    )
    by_state = ids(topic_ids, [], statuses)
    state_rows = session.execute(
        select(Land.name, func.count(UseCase.id))
        .join(Organisation, Organisation.id == UseCase.owner_id)
        .join(Land, Land.code == Organisation.land_code)
        .where(UseCase.id.in_(select(by_state.c.id)))
        .group_by(Land.name)
    )
    by_status = ids(topic_ids, land_codes, [])
    status_rows = session.execute(
        select(UseCase.status, func.count(UseCase.id))
        .where(UseCase.id.in_(select(by_status.c.id)))
        .group_by(UseCase.status)
    )
    return {
        "topic": dict(sorted(topic_rows.all(), key=lambda r: (-r[1], r[0]))),
        "state": dict(sorted(state_rows.all(), key=lambda r: (-r[1], r[0]))),
        "status": {s.value: n for s, n in status_rows.all()},
        "size": _size_counts(session, ids(topic_ids, land_codes, statuses, [])),
    }


def _size_counts(session: Session, cases) -> dict[str, int]:
    """Cases among ``cases`` per size class of the places they run at, in class order."""
    places = running_places().subquery()
    key = size_classes.class_key_column().label("size")
    rows = dict(session.execute(
        select(key, func.count(func.distinct(places.c.case_id)))
        .select_from(places)
        .join(Organisation, Organisation.id == places.c.organisation_id)
        .outerjoin(Municipality, Municipality.ags == Organisation.municipality_ags)
        .where(places.c.case_id.in_(select(cases.c.id)))
        .group_by(key)
    ).all())
    return {c.key: rows[c.key] for c in size_classes.SIZE_CLASSES if rows.get(c.key)}


def _first_ids(session: Session, sort: str, limit: int) -> list[int]:
    """Ids of the first published cases in this order (once per data generation; newest first or by
    title: once per change other than an adoption)."""
    return cache.get(session, ("first", sort, limit), lambda: list(session.scalars(
        _sorted(select(UseCase.id).where(UseCase.moderation == ModerationState.PUBLISHED), sort).limit(limit))),
        but_adoptions=sort != "adoption")


def newest(session: Session, limit: int = 6) -> list[UseCase]:
    return load_cards(session, _first_ids(session, "newest", limit))


def most_adopted(session: Session, limit: int = 6) -> list[UseCase]:
    return load_cards(session, _first_ids(session, "adoption", limit))


def showcase(session: Session, limit: int = 6) -> tuple[list[CardSummary], list[CardSummary]]:
    """The start page's newest and most adopted cases as plain cards, kept per case until its page
    changes (:func:`card_summaries`)."""
    newest_ids, adopted_ids = _first_ids(session, "newest", limit), _first_ids(session, "adoption", limit)
    cards = card_summaries(session, newest_ids + adopted_ids)
    return [cards[i] for i in newest_ids if i in cards], [cards[i] for i in adopted_ids if i in cards]


def get_published(session: Session, slug: str) -> UseCase | None:
    """The published case with this slug, with owner, topics and adopters (three statements)."""
    return session.scalar(_case_by_slug(published=True), {"slug": slug})


def get_published_with_owner(session: Session, slug: str) -> UseCase | None:
    """The published case with this slug and its owner, nothing else (one statement): for the forms
    about a case ("Wir nutzen das auch"), which show its title and owner only."""
    return session.scalar(_case_with_owner(), {"slug": slug})


@built_once
def _case_with_owner() -> Select:
    return _published().where(UseCase.slug == bindparam("slug")).options(joinedload(UseCase.owner, innerjoin=True))


def can_view(case: UseCase, viewer: User | None) -> bool:
    """Published cases are public; others only for their author and moderators."""
    if case.moderation is ModerationState.PUBLISHED:
        return True
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.has_role(Role.MODERATOR) or case.author_id == viewer.id


def case_page_options():
    """Loader options for a case page: the case with its owner, topics, and adopters with
    their places and reports, and the ways to re-use it, in four queries."""
    org = (joinedload(Organisation.municipality), joinedload(Organisation.kreis), joinedload(Organisation.land))
    return (
        selectinload(UseCase.topics),
        selectinload(UseCase.reuse_paths),
        joinedload(UseCase.owner, innerjoin=True).options(*org, joinedload(Organisation.kreis)),
        selectinload(UseCase.adoptions).options(joinedload(Adoption.report),
                                                joinedload(Adoption.organisation, innerjoin=True).options(*org)),
    )


@built_once
def _case_by_slug(published: bool) -> Select:
    """The statement of a case page (with its loader options), built once per process: SQLAlchemy
    keeps a statement's cache key, building and keying it anew cost a fifth of loading the case."""
    stmt = _published() if published else select(UseCase)
    return stmt.where(UseCase.slug == bindparam("slug")).options(*case_page_options())


def get_visible(session: Session, slug: str, viewer: User | None) -> UseCase | None:
    """Return the case if the viewer may see it, else None (shown as 404)."""
    case = session.scalar(_case_by_slug(published=False), {"slug": slug})
    return case if case is not None and can_view(case, viewer) else None


def topic_overview(session: Session) -> list[tuple[reference.TopicInfo, int]]:
    """Return every topic with its number of published cases (once per change other than an adoption)."""
    return cache.get(session, ("topic_overview",), lambda: _topic_overview(session), but_adoptions=True)


def _topic_overview(session: Session) -> list[tuple[reference.TopicInfo, int]]:
    counts = (
        select(case_topic.c.topic_id, func.count().label("n"))
        .join(UseCase, UseCase.id == case_topic.c.case_id)
        .where(UseCase.moderation == ModerationState.PUBLISHED)
        .group_by(case_topic.c.topic_id)
        .subquery()
    )
    found = dict(session.execute(select(counts.c.topic_id, counts.c.n)).all())
    return [(topic, found.get(topic.id, 0)) for topic in reference.topics(session)]


def counts(session: Session) -> dict[str, int]:
    """Headline figures for the start page and /statistik (one source, so they never disagree):
    published cases, their uses (kb.models.usage), the organisations interested in at least one of
    them (each counted once, however many cases it is interested in), and the organisations that
    own or use a published case."""
    return cache.get(session, ("counts",), lambda: _counts(session))


def _counts(session: Session) -> dict[str, int]:
    published = UseCase.moderation == ModerationState.PUBLISHED
    rows = session.execute(
        select(Adoption.status, func.count(Adoption.id), func.count(func.distinct(Adoption.organisation_id)))
        .join(UseCase).where(published).group_by(Adoption.status)
    ).all()
    by_status = {status: n for status, n, _orgs in rows}
    # interest counts organisations, each once however many cases it is interested in ("Kommunen mit
    # Interesse"; demand is the one status ``interessiert``, so its distinct count is the figure)
    (demand,) = usage.DEMAND_STATUSES
    return {
        "cases": session.scalar(select(func.count(UseCase.id)).where(published)) or 0,
        "adoptions": sum(by_status.get(status, 0) for status in usage.USE_STATUSES),
        "interested": next((orgs for status, _n, orgs in rows if status is demand), 0),
        "municipalities": session.scalar(
            select(func.count(func.distinct(Organisation.id))).where(
                or_(
                    Organisation.id.in_(select(UseCase.owner_id).where(published)),
                    Organisation.id.in_(select(Adoption.organisation_id).join(UseCase)
                                        .where(published, usage.uses_clause())),
                )
            )
        ) or 0,
    }
