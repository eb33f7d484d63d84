"""The search page."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.services.catalog import listing as catalog
from kb.services.catalog.search import SearchQuery, canonical_query, search_summaries, suggest_cases
from kb.services.community import needs
from kb.views.catalog.blueprint import bp
from kb.web.caching import listings_token, public_cache
from kb.web.query_params import ParamError, search_query_from_args


@bp.get("/search")
@public_cache(stored_by=listings_token, shared=False)
def search():
    """Search the published catalogue: facets, highlights, a correction shown as such, the words
    nothing matches with related searches, Länder, Gemeinden and Kreise taken from the text as filters
    (namesakes to choose from for an ambiguous name), weaker hits apart, and a tab to the needs
    (Bedarfe) with the same words."""
    try:
        query = replace(canonical_query(db.session, search_query_from_args(current_app.config["KB_PER_PAGE"], 50)),
                        group_weaker=True)
    except ParamError as exc:
        return _error(str(exc))
    except catalog.FilterError as exc:
        return _error(_("Unbekannter Filterwert %(name)s = „%(value)s“.", name=exc.name, value=exc.value))
    found = search_summaries(db.session, query)
    result = found.result
    page = catalog.Page(found.hits, result.paged_total, query.page, query.per_page)
    filters = catalog.CaseFilters(list(query.topics), list(query.states), list(query.statuses), list(query.sizes))
    return render_template("catalog/search.html", query=query, page=page, facets=result.facets,
                           filters=filters, suggestion=result.suggestion, outcome=result, errors=[],
                           places=found.places, place_params=_place_params(found.places),
                           needs_tab=_needs_tab(query, result) if query.text else None)


@bp.get("/search/suggest")
def search_suggest():
    """Suggest published cases for a partial query: JSON for the search box's type-ahead."""
    text = " ".join((request.args.get("q") or "").split())[:200]
    if sum(char.isalnum() for char in text) < 2:
        return jsonify(query=text, results=[])
    cases = suggest_cases(db.session, text)
    return jsonify(query=text, results=[
        {"title": case.title, "url": url_for("catalog.case_detail", slug=case.slug), "municipality": case.owner.name}
        for case in cases
    ])


def _place_params(places) -> dict[str, list[str]]:
    """The ``municipality``/``kreis`` values of the URL, to keep in the page's forms."""
    out: dict[str, list[str]] = {"municipality": [], "kreis": []}
    for place in places.given:
        out[place.param].append(place.key)
    return out


def _needs_tab(query, result) -> dict:
    """The "Bedarfe" tab: the needs board's link for the same words and filters, with the number of
    needs that board lists (a Land named in the text is a filter there too)."""
    text = query.text
    for word in result.place_words:
        text = text.replace(word, " ")
    text = " ".join(text.split()) or None
    states = list(dict.fromkeys([*query.states, *result.place_filters]))
    state = states[0] if len(states) == 1 else None
    topic = query.topics[0] if len(query.topics) == 1 else None
    return {"count": needs.count_published(db.session, topic=topic, state=state, text=text),
            "url": url_for("community.needs_board", q=text, topic=topic, state=state)}


def _error(message: str):
    empty = catalog.Page([], 0, 1, current_app.config["KB_PER_PAGE"])
    return render_template("catalog/search.html", query=SearchQuery(), page=empty,
                           facets={"topic": {}, "state": {}, "status": {}, "size": {}}, filters=catalog.CaseFilters(),
                           suggestion=None, errors=[message]), 400
