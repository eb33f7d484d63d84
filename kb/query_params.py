"""Read list parameters (page, filters) from the query string."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from kb.services.catalog import CaseFilters


class ParamError(ValueError):
    """A query parameter has an unusable value."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def int_arg(name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(name, _("„%(name)s“ muss eine ganze Zahl sein, nicht „%(raw)s“.",
                                 name=name, raw=raw)) from None
    if value < minimum or (maximum is not None and value > maximum):
        if maximum is None:
            raise ParamError(name, _("„%(name)s“ muss mindestens %(min)d sein.", name=name, min=minimum))
        raise ParamError(name, _("„%(name)s“ muss zwischen %(min)d und %(max)d liegen.",
                                 name=name, min=minimum, max=maximum))
    return value


def filters_from_args() -> CaseFilters:
    """Return the filters; each may be given several times (?topic=A&topic=B)."""
    def values(name: str) -> list[str]:
        return [v.strip() for v in request.args.getlist(name) if v.strip()]

    return CaseFilters(topics=values("topic"), states=values("state"), statuses=values("status"))


def search_query_from_args(per_page_default: int, max_per_page: int = 100):
    """Build a SearchQuery from q, topic, state, status, sort, page, per_page."""
    from kb.search import SearchQuery

    filters = filters_from_args()
    sort = request.args.get("sort") or "relevance"
    if sort not in ("relevance", "newest", "adoption"):
        raise ParamError("sort", _("Unbekannte Sortierung „%(sort)s“.", sort=sort))
    text = (request.args.get("q") or "").strip()
    if len(text) > 200:
        raise ParamError("q", _("Die Suchanfrage ist zu lang (höchstens 200 Zeichen)."))
    return SearchQuery(
        text=text,
        topics=filters.topics,
        states=filters.states,
        statuses=filters.statuses,
        page=int_arg("page", 1, 1, 1000),
        per_page=int_arg("per_page", per_page_default, 1, max_per_page),
        sort=sort,
    )
