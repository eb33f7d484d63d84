"""Atom feed of updates – not only new cases: new users, status changes, reports, edits, needs.

``/feeds/updates.atom`` for everything; ``?case=<slug>``, ``?topic=<name>``,
``?municipality=<AGS|Kreis key>`` or ``?bedarf=<id>`` narrow it. Links come from KB_BASE_URL.
"""

from __future__ import annotations

from flask import Response, abort, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Topic, UpdateEvent
from kb.services.catalog import listing as catalog
from kb.services.catalog.feeds import place_name
from kb.services.community import needs, updates
from kb.services.links import external_url
from kb.views.opendata.atom import FeedInfo, UpdateEntry, build_update_feed
from kb.views.opendata.blueprint import bp
from kb.views.opendata.feeds import ATOM_TYPE


@bp.get("/feeds/updates.atom")
def updates_feed():
    """The newest updates of published cases and needs (optionally of one case, topic, place or need)."""
    condition, title, html_url = _selection()
    items = updates.recent(db.session, condition)
    info = FeedInfo(
        title=title,
        subtitle=_("Was sich bei Lösungen und Bedarfen tut: neue Nutzer, neuer Stand, Erfahrungsberichte, "
                   "Aktualisierungen – neueste zuerst."),
        self_url=external_url("opendata.updates_feed", **request.args.to_dict()),
        html_url=html_url,
        feed_id=external_url("opendata.updates_feed", **request.args.to_dict()),
        author=_("Praxisatlas"),
        rights=_("Inhalte: CC BY 4.0 (Namensnennung: betreibende Stelle und Praxisatlas)"),
        updated=updates.latest_change(items) if items else None,
    )
    body = build_update_feed(info, [_entry(item) for item in items], external_url("catalog.browse"))
    response = Response(body, content_type=ATOM_TYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _selection():
    """The condition, title and page of the requested feed; 404 for something unknown."""
    args = request.args
    base = _("Praxisatlas: Neuigkeiten")
    if args.get("case"):
        case = catalog.get_published(db.session, args["case"])
        if case is None:
            abort(404)
        return (updates.selection(case_ids=[case.id]), f"{base} – {case.title}",
                external_url("catalog.case_detail", slug=case.slug))
    if args.get("topic"):
        topic = db.session.scalar(select(Topic).where(func.lower(Topic.name) == args["topic"].casefold()))
        if topic is None:
            abort(404)
        return (updates.selection(topic_ids=[topic.id]), _("%(base)s zum Thema %(topic)s", base=base, topic=topic.name),
                external_url("catalog.browse", topic=topic.name))
    if args.get("municipality"):
        key = args["municipality"]
        organisations = updates.place_organisations(db.session, key) if key.isdigit() else None
        if organisations is None:
            abort(404)
        return (updates.selection(organisation_ids=organisations or [-1]),
                _("%(base)s aus %(place)s", base=base, place=place_name(db.session, key)),
                external_url("catalog.municipality", key=key))
    if args.get("bedarf"):
        ident = args["bedarf"]
        need = needs.get_visible(db.session, int(ident), None) if ident.isdigit() and len(ident) < 12 else None
        if need is None:
            abort(404)
        return (updates.selection(need_ids=[need.id]), f"{base} – {need.title}",
                external_url("community.need_detail", need_id=need.id))
    return None, base, external_url("catalog.index")


def _entry(item: UpdateEvent) -> UpdateEntry:
    if item.need is not None:
        url = external_url("community.need_detail", need_id=item.need.id)
        author = item.need.organisation.name
        categories = [(item.need.topic.slug, item.need.topic.name)]
    else:
        url = external_url("catalog.case_detail", slug=item.case.slug)
        author = item.case.owner.name
        categories = [(t.slug, t.name) for t in item.case.topics]
    return UpdateEntry(entry_id=f"{url}#neuigkeit-{item.id}", title=updates.subject_title(item),
                       summary=updates.describe(item), url=url, updated=item.created_at, author=author,
                       categories=categories)
