"""The needs board: list, post, show, join ("wir auch"), write to everyone, close; moderation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import Need, Role, labels
from kb.services.adoptions.declarations import organisation_of
from kb.services.community import needs, pools, relay
from kb.services.registry import typeahead as places
from kb.views.community.blueprint import bp
from kb.views.community.contact_views import relay_form
from kb.views.community.forms import ActionForm, ContactForm, NeedDecisionForm, NeedForm, add_error
from kb.web.errors import error_response
from kb.web.permissions import current_actor, role_required
from kb.web.query_params import ParamError, int_arg

PER_PAGE = 20


def _need(need_id: int) -> Need:
    need = needs.get_visible(db.session, need_id, current_actor())
    if need is None:
        abort(404)
    return need


def _topic_choices() -> list[tuple[str, str]]:
    return [("", _("– bitte wählen –"))] + [(name, labels.label(labels.TOPIC_NAME, name))
                                           for name in needs.topic_names(db.session)]


@bp.get("/bedarfe")
def needs_board():
    """Published open needs, newest first; filters by topic, Land and words."""
    text = " ".join((request.args.get("q") or "").split())[:200]
    topic = (request.args.get("topic") or "").strip()[:80]
    state = (request.args.get("state") or "").strip()[:80]
    try:
        page_number = int_arg("page", 1)
    except ParamError as exc:
        return error_response(400, str(exc))
    page = needs.list_published(db.session, topic=topic or None, state=state or None, text=text,
                                page=page_number, per_page=PER_PAGE)
    actor = current_actor()
    return render_template("community/needs.html", page=page, q=text, topic=topic, state=state,
                           topics=_topic_choices()[1:], lands=places.land_choices(db.session),
                           own=needs.of_author(db.session, actor) if actor else [],
                           blocker=needs.post_blocker(db.session, actor))


@bp.route("/bedarfe/neu", methods=["GET", "POST"])
@role_required(Role.READER)
def new_need():
    """Post a need for the member's municipality; it waits for moderation."""
    actor = current_actor()
    blocker = needs.post_blocker(db.session, actor)
    form = NeedForm()
    form.topic.choices = _topic_choices()
    if request.method == "GET" and request.args.get("title"):
        form.title.data = request.args.get("title", "")[: needs.MAX_TITLE]
    status = 200
    if request.method == "POST":
        status = 403 if blocker else 400
        if blocker is None:
            data = needs.NeedInput(**{name: form[name].data for name in needs.NeedInput.__dataclass_fields__})
            try:
                need = needs.post(db.session, data, actor=actor)
            except needs.NeedError as exc:
                add_error(form, exc.field, str(exc))
            else:
                flash(_("Ihr Bedarf ist gemeldet. Die Moderation prüft ihn; danach sehen ihn alle unter „Bedarfe“. "
                        "Sie folgen ihm und erfahren, wer mitmacht."), "success")
                return redirect(url_for("community.need_detail", need_id=need.id), 303)
    return render_template("community/need_form.html", form=form, blocker=blocker,
                           organisation=organisation_of(db.session, actor)), status


@bp.get("/bedarfe/<int:need_id>")
def need_detail(need_id: int):
    """A need with everyone who shares it, grouped by Land and size."""
    need = _need(need_id)
    actor = current_actor()
    is_member = pools.member_of_need(db.session, need, actor)
    own = organisation_of(db.session, actor)
    return render_template("community/need.html", need=need,
                           groups=pools.grouped(pools.need_pool(need)), is_member=is_member,
                           can_leave=is_member and own is not None and own.id != need.organisation_id,
                           join_blocker=needs.join_blocker(db.session, need, actor),
                           can_manage=needs.can_manage(need, actor),
                           target=relay.need_target(db.session, need, actor) if actor else None,
                           contact_form=ContactForm(formdata=None), action_form=ActionForm(formdata=None))


@bp.post("/bedarfe/<int:need_id>/mitmachen")
@role_required(Role.READER)
def join_need(need_id: int):
    """"Wir auch": the member's municipality shares the need."""
    need = _need(need_id)
    ActionForm()
    try:
        needs.join(db.session, need, actor=current_actor())
    except needs.NeedNotAllowed as exc:
        return error_response(403, str(exc))
    flash(_("Ihre Kommune ist dabei. Sie sehen jetzt, wer den Bedarf noch hat, und können allen schreiben."),
          "success")
    return redirect(url_for("community.need_detail", need_id=need.id, _anchor="wer-noch"), 303)


@bp.post("/bedarfe/<int:need_id>/austreten")
@role_required(Role.READER)
def leave_need(need_id: int):
    need = _need(need_id)
    ActionForm()
    if needs.leave(db.session, need, actor=current_actor()):
        flash(_("Ihre Kommune ist beim Bedarf nicht mehr dabei."), "success")
    return redirect(url_for("community.need_detail", need_id=need.id), 303)


@bp.post("/bedarfe/<int:need_id>/erledigt")
@role_required(Role.READER)
def close_need(need_id: int):
    """Mark a need as met (its author or a moderator)."""
    need = _need(need_id)
    ActionForm()
    try:
        needs.close(db.session, need, actor=current_actor())
    except needs.NeedNotAllowed as exc:
        return error_response(403, str(exc))
    flash(_("Der Bedarf ist als erledigt markiert."), "success")
    return redirect(url_for("community.need_detail", need_id=need.id), 303)


@bp.route("/bedarfe/<int:need_id>/kontakt", methods=["GET", "POST"])
@role_required(Role.READER)
def contact_need(need_id: int):
    """Write to every municipality that shares the need (members of the need only)."""
    need = _need(need_id)
    actor = current_actor()
    if not pools.member_of_need(db.session, need, actor):
        return error_response(403, _("Nur Kommunen, die den Bedarf teilen, können allen Beteiligten schreiben. "
                                     "Klicken Sie zuerst auf „Wir auch“."))
    target = relay.need_target(db.session, need, actor)
    return relay_form(target, ContactForm(), back=url_for("community.need_detail", need_id=need.id),
                      template_args={"need": need, "heading": _("Nachricht an alle, die „%(title)s“ brauchen",
                                                                 title=need.title),
                                     "action": url_for("community.contact_need", need_id=need.id)})


@bp.route("/moderation/bedarfe/<int:need_id>", methods=["GET", "POST"])
@role_required(Role.MODERATOR)
def review_need(need_id: int):
    """Publish or reject a need (a rejection needs a reason, which goes to the author)."""
    need = _need(need_id)
    form = NeedDecisionForm()
    status = 200
    if request.method == "POST":
        try:
            needs.decide(db.session, need, form.decision.data or "", form.reason.data, actor=current_actor())
        except needs.NeedError as exc:
            add_error(form, exc.field, str(exc))
            status = exc.status
        else:
            flash(_("Der Bedarf „%(title)s“ ist veröffentlicht.", title=need.title) if need.is_published else
                  _("Der Bedarf „%(title)s“ ist zurückgewiesen.", title=need.title), "success")
            return redirect(url_for("moderation.queue"), 303)
    return render_template("community/need_review.html", need=need, form=form), status

