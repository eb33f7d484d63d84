"""Mitmachen: who else is interested in a case, joining that pool, writing to all of it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import AdoptionProposal, Role
from kb.services.adoptions import declarations as adoptions
from kb.services.community import pools, relay
from kb.views.community.blueprint import bp
from kb.views.community.contact_views import published_case, relay_form
from kb.views.community.forms import ActionForm, ContactForm
from kb.web.errors import error_response
from kb.web.permissions import current_actor, role_required


@bp.route("/cases/<slug>/mitmachen", methods=["GET", "POST"])
def case_pool(slug: str):
    """The municipalities interested in a case, by Land and size; POST joins the pool."""
    case = published_case(slug)
    actor = current_actor()
    if request.method == "POST":
        if actor is None:
            from kb.extensions import login_manager

            return login_manager.unauthorized()
        ActionForm()
        try:
            joined = pools.join_case(db.session, case, actor=actor)
        except adoptions.AdoptionNotAllowed as exc:
            return error_response(403, str(exc))
        except adoptions.AdoptionError as exc:
            return error_response(400, str(exc))
        if isinstance(joined, AdoptionProposal):
            flash(_("Ihre Angabe wartet auf die Moderation, weil Ihre Zugehörigkeit zu %(org)s noch nicht bestätigt "
                    "ist. Danach steht Ihre Kommune auf der Liste.", org=joined.organisation.name), "info")
            return redirect(url_for("community.case_pool", slug=case.slug), 303)
        flash(_("Ihre Kommune steht jetzt auf der Liste der Interessierten. Sie können allen schreiben – zum "
                "Beispiel, um eine gemeinsame Beschaffung zu besprechen."), "success")
        return redirect(url_for("community.case_pool", slug=case.slug), 303)
    return render_template("community/case_pool.html", case=case, groups=pools.grouped(pools.case_pool(case)),
                           in_pool=pools.in_case_pool(db.session, case, actor),
                           blocker=pools.join_case_blocker(db.session, case, actor),
                           target=relay.pool_target(db.session, case, actor) if actor else None,
                           contact_form=ContactForm(formdata=None), action_form=ActionForm(formdata=None))


@bp.route("/cases/<slug>/mitmachen/kontakt", methods=["GET", "POST"])
@role_required(Role.READER)
def contact_pool(slug: str):
    """Write to every other interested municipality (for members of the pool)."""
    case = published_case(slug)
    actor = current_actor()
    if not pools.in_case_pool(db.session, case, actor):
        return error_response(403, _("Nur Kommunen auf der Liste der Interessierten können allen schreiben. "
                                     "Tragen Sie Ihre Kommune zuerst ein."))
    target = relay.pool_target(db.session, case, actor)
    return relay_form(target, ContactForm(), back=url_for("community.case_pool", slug=case.slug),
                      template_args={"case": case,
                                     "heading": _("Nachricht an alle Interessierten an „%(title)s“", title=case.title),
                                     "action": url_for("community.contact_pool", slug=case.slug)})
