"""Kreis and Land pages: what all their municipalities run and adopt."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from sqlalchemy import select

from kb.extensions import db
from kb.models import Kreis, Municipality
from kb.services.catalog import geo, regions
from kb.views.catalog.blueprint import bp


@bp.get("/kreise/<key>")
def kreis(key: str):
    """A Kreis with its own activity and that of all its Gemeinden."""
    if not (len(key) == 5 and key.isdigit()):
        abort(404)
    found = db.session.get(Kreis, key)
    if found is not None and found.typ == "Kreisfreie Stadt":
        city = db.session.scalar(select(Municipality).where(Municipality.kreis_key == key))
        if city is not None:
            return redirect(url_for("catalog.municipality", key=city.ags), 301)
    profile = regions.kreis_profile(db.session, key)
    if profile is None:
        abort(404)
    return render_template("catalog/region.html", profile=profile, points=geo.region_points(profile),
                           land_slug=regions.land_slug(profile.land.name))


@bp.get("/laender/<ident>")
def land(ident: str):
    """A Land with the activity of its Kreise and municipalities (by slug; code or name redirect)."""
    found = regions.find_land(db.session, ident)
    if found is None:
        abort(404)
    slug = regions.land_slug(found.name)
    if ident != slug:
        return redirect(url_for("catalog.land", ident=slug), 301)
    profile = regions.land_profile(db.session, found)
    return render_template("catalog/region.html", profile=profile, points=geo.region_points(profile),
                           land_slug=slug)
