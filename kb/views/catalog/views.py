"""Start page, browsing, search, case and municipality pages."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from kb.extensions import db
from kb.models import Kreis, Municipality
from kb.services import generation
from kb.services.catalog import listing as catalog
from kb.services.catalog import recommendations, regions
from kb.services.catalog.place_page import place_page
from kb.services.interchange.harvest import status as harvest_status
from kb.views.catalog.blueprint import bp
from kb.web.caching import listings_token, public_cache
from kb.web.permissions import current_actor
from kb.web.query_params import ParamError, filters_from_args, int_arg

SORTS = ("newest", "adoption", "title")
MAX_PAGE = 100_000


@bp.get("/")
@public_cache(stored_by=listings_token, shared=False)
def index():
    """Show the search box, topics, newest and most-adopted cases."""
    session = db.session
    newest, most_adopted = catalog.showcase(session, 6)
    return render_template(
        "catalog/index.html",
        topics=catalog.topic_overview(session),
        newest=newest,
        most_adopted=most_adopted,
        counts=catalog.counts(session),
        **member_recommendations(),
    )


def member_recommendations() -> dict:
    """"Kommunen wie Ihre" for a signed-in member of a municipality (empty for everyone else)."""
    actor = current_actor()
    place = actor.municipality if actor is not None else None
    if place is None:
        return {}
    return {
        "rec_municipality": place,
        "rec_own": True,
        "recommendations": recommendations.recommend(db.session, place, limit=3),
        "population_class": recommendations.population_class(place.population),
    }


@bp.get("/cases")
@public_cache
def browse():
    """List published cases with filters by topic, Land, status and the users' size class."""
    filters = filters_from_args()
    errors = []
    try:
        page = int_arg("page", 1, 1, MAX_PAGE)
        sort = _sort_arg()
        result = catalog.list_published(db.session, filters, page, current_app.config["KB_PER_PAGE"], sort)
        facets = catalog.facet_counts(db.session, filters)
    except (ParamError, catalog.FilterError) as exc:
        errors.append(_filter_message(exc))
        result = catalog.Page([], 0, 1, current_app.config["KB_PER_PAGE"])
        facets, sort = {"topic": {}, "state": {}, "status": {}, "size": {}}, "newest"
    status = 400 if errors else 200
    return render_template("catalog/browse.html", page=result, facets=facets, filters=filters,
                           sort=sort, sorts=SORTS, errors=errors), status


def _sort_arg() -> str:
    sort = request.args.get("sort") or "newest"
    if sort not in SORTS:
        raise ParamError("sort", _("Unbekannte Sortierung „%(sort)s“.", sort=sort))
    return sort


def _filter_message(exc: Exception) -> str:
    if isinstance(exc, catalog.FilterError):
        return _("Unbekannter Filterwert %(name)s = „%(value)s“.", name=exc.name, value=exc.value)
    return str(exc)


@bp.get("/cases/<slug>")
@public_cache(stored_by=lambda slug: generation.case_page_token(db.session, slug))
def case_detail(slug: str):
    """Show one case; unpublished cases only for their author and moderators."""
    case = catalog.get_visible(db.session, slug, current_actor())
    if case is None:
        abort(404)
    return render_template("catalog/case.html", case=case, source=harvest_status.source_of(db.session, case))


@bp.get("/municipalities/<key>")
@public_cache
def municipality(key: str):
    """Show what a municipality (or Kreis) runs and what it adopted."""
    if len(key) == 5 and key.isdigit():
        kreis = db.session.get(Kreis, key)
        if kreis is not None and kreis.typ == "Kreisfreie Stadt":
            city = db.session.scalar(select(Municipality).where(Municipality.kreis_key == key))
            if city is not None:
                return redirect(url_for("catalog.municipality", key=city.ags), 301)
        if kreis is not None:
            return redirect(url_for("catalog.kreis", key=key), 301)
    page = place_page(db.session, key) if key.isdigit() else None
    if page is None:
        abort(404)
    profile = page.profile
    place = profile.municipality
    return render_template(
        "catalog/municipality.html", profile=profile, contacts=page.contacts, points=page.points,
        recommendations=recommendations.recommend(db.session, place) if place else [],
        population_class=recommendations.population_class(place.population if place else None),
        land_slug=regions.land_slug(profile.land.name))
