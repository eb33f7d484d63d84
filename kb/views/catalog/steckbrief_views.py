"""The Steckbrief of a case as PDF (/cases/<slug>/steckbrief.pdf)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, render_template
from markupsafe import Markup
from sqlalchemy import select

from kb.extensions import db
from kb.models import UseCase
from kb.models.base import utcnow
from kb.services import links
from kb.services.catalog import listing as catalog
from kb.services.catalog import steckbrief
from kb.views.catalog.blueprint import bp
from kb.web import ratelimit
from kb.web.errors import error_response
from kb.web.pdf import font_faces, html_to_pdf


@bp.get("/cases/<slug>/steckbrief.pdf")
def steckbrief_pdf(slug: str):
    """One or two A4 pages about a published case, for a council paper."""
    verdict = ratelimit.check_request()  # rendering a PDF costs far more than a page
    if not verdict.allowed:
        response = error_response(429)
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response
    case = db.session.scalar(select(UseCase).where(UseCase.slug == slug).options(*catalog.case_page_options()))
    if case is None or not case.is_published:
        abort(404)
    faces, font_dirs = font_faces(current_app.static_folder,
                                  Path(current_app.config["KB_DATA_DIR"]) / "cache" / "pdf-fonts")
    html = render_template("catalog/steckbrief.html", **steckbrief.context(case), generated=utcnow(),
                           source_url=links.external_url("catalog.case_detail", slug=case.slug),
                           font_faces=Markup(faces))  # noqa: S704 - our own CSS, no user input
    pdf = html_to_pdf(html, current_app.static_folder, *font_dirs)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="steckbrief-{case.slug}.pdf"'
    return response
