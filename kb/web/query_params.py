"""Read numbers, paging and filters from the query string and the URL path.

Every integer that comes from a URL goes through :func:`parse_bounded_int`: query parameters via
:func:`int_arg`, path segments via the ``<int:…>`` converter that :func:`init_app` installs. So a
number like 10^20 or "²" is a 400 (or, in a path, a 404) – never an OverflowError.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, ValidationError

from kb.models.base import DB_INT_MAX
from kb.services.catalog.listing import CaseFilters
from kb.services.catalog.place_query import resolve_params

PLAIN_DIGITS = re.compile(r"[0-9]+")


class ParamError(ValueError):
    """A query parameter has an unusable value."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def parse_bounded_int(raw: str, *, name: str, minimum: int = 1, maximum: int = DB_INT_MAX) -> int:
    """Return ``raw`` as an int between ``minimum`` and ``maximum``; raise ParamError otherwise.

    Only ASCII digits count ("²", "1e3", "+5", " 7" are refused), and the length is checked
    before converting, so a number with thousands of digits costs nothing.
    """
    if not PLAIN_DIGITS.fullmatch(raw):
        raise ParamError(name, _("„%(name)s“ muss eine ganze Zahl sein, nicht „%(raw)s“.",
                                 name=name, raw=raw[:40]))
    value = int(raw) if len(raw) <= len(str(maximum)) else maximum + 1
    if not minimum <= value <= maximum:
        raise ParamError(name, _("„%(name)s“ muss zwischen %(min)d und %(max)d liegen.",
                                 name=name, min=minimum, max=maximum))
    return value


def int_arg(name: str, default: int, minimum: int = 1, maximum: int = DB_INT_MAX) -> int:
    """The query parameter ``name`` as a bounded int (``default`` if absent); ParamError if unusable."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    return parse_bounded_int(raw, name=name, minimum=minimum, maximum=maximum)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to what the database stores: a larger number is a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=0, max=DB_INT_MAX, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        try:
            return parse_bounded_int(value, name="id", minimum=self.min or 0, maximum=self.max)
        except ParamError:
            raise ValidationError() from None


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter (before any blueprint adds its routes)."""
    app.url_map.converters["int"] = BoundedIntConverter


def datetime_arg(name: str) -> datetime | None:
    """An ISO 8601 date or date-time (``2025-04-01``, ``2025-04-01T10:00:00Z``); without a zone it is UTC.

    An offset whose ``+`` arrived unencoded (as a space) is read as meant.
    """
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw)
    text = text[:-1] + "+00:00" if text[-1:] in ("z", "Z") else text
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ParamError(name, _("„%(name)s“ muss ein Zeitpunkt nach ISO 8601 sein (z. B. 2025-04-01T10:00:00Z), "
                                 "nicht „%(raw)s“.", name=name, raw=raw[:40])) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def filters_from_args() -> CaseFilters:
    """Return the filters; each may be given several times (?topic=A&topic=B)."""
    return CaseFilters(topics=_values("topic"), states=_values("state"), statuses=_values("status"),
                       sizes=_values("size"))


def _values(name: str, limit: int | None = None) -> list[str]:
    """The non-blank values of a repeatable parameter, trimmed (the first ``limit`` given, if set)."""
    return [v.strip() for v in request.args.getlist(name)[:limit] if v.strip()]


def flag_arg(name: str, default: bool = True) -> bool:
    """The query parameter ``name`` as a switch: ``1`` on, ``0`` off (``default`` if absent)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if raw not in ("0", "1"):
        raise ParamError(name, _("„%(name)s“ muss 0 oder 1 sein, nicht „%(raw)s“.", name=name, raw=raw[:40]))
    return raw == "1"


def search_query_from_args(per_page_default: int, max_per_page: int = 100):
    """Build a SearchQuery from q, topic, state, status, size, municipality (AGS or name), kreis (Kreis
    key or name), sort, page, per_page, places (0: Länder, Gemeinden and Kreise named in the text stay
    words, not filters) and correct (0: no spelling correction)."""
    from kb.search.engine import SearchQuery

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
        sizes=filters.sizes,
        places=resolve_params(_values("municipality", 20), _values("kreis", 20)),
        page=int_arg("page", 1, 1, 1000),
        per_page=int_arg("per_page", per_page_default, 1, max_per_page),
        sort=sort,
        detect_places=flag_arg("places"),
        correct=flag_arg("correct"),
    )
