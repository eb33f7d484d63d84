"""The contact relay on a case ("Frage an das Team", "Frage an Nutzer") and referents."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import Role, UseCase
from kb.services.adoptions.declarations import organisation_of
from kb.services.catalog import listing as catalog
from kb.services.community import referents, relay, throttle
from kb.services.community.relay import RelayError, Target
from kb.views.community.blueprint import bp
from kb.views.community.forms import ActionForm, ContactForm, ReferentForm, add_error
from kb.web.permissions import current_actor, role_required


def published_case(slug: str) -> UseCase:
    case = catalog.get_visible(db.session, slug, None)
    if case is None:
        abort(404)
    return case


def client() -> str:
    return throttle.client_key(request.remote_addr)


def relay_form(target: Target, form: ContactForm, *, template_args: dict, back: str):
    """Show the relay form, or send the message and go back with a confirmation."""
    status = 200
    if request.method == "POST":
        try:
            count = relay.send(db.session, target, sender=current_actor(), subject=form.subject.data,
                               body=form.message.data, client=client())
        except RelayError as exc:
            add_error(form, exc.field, str(exc))
            status = 400
        except throttle.Throttled as exc:
            form.form_errors.append(str(exc))
            status = 429
        else:
            flash(_("Ihre Nachricht ist unterwegs. Die Antwort kommt direkt an Ihre E-Mail-Adresse.")
                  if count == 1 else
                  _("Ihre Nachricht ist an %(n)d Empfängerinnen und Empfänger unterwegs. Antworten kommen direkt "
                    "an Ihre E-Mail-Adresse.", n=count), "success")
            return redirect(back, 303)
    return render_template("community/contact.html", form=form, target=target, **template_args), status


@bp.route("/cases/<slug>/kontakt", methods=["GET", "POST"])
@role_required(Role.READER)
def contact_team(slug: str):
    """Ask the team behind a case a question (the relay hides their address)."""
    case = published_case(slug)
    target = relay.team_target(db.session, case)
    return relay_form(target, ContactForm(), back=url_for("catalog.case_detail", slug=case.slug, _anchor="kontakt"),
                      template_args={"case": case, "heading": _("Frage an das Team"),
                                     "action": url_for("community.contact_team", slug=case.slug)})


@bp.route("/cases/<slug>/frage/<int:org_id>", methods=["GET", "POST"])
@role_required(Role.READER)
def contact_adopter(slug: str, org_id: int):
    """Ask a municipality that uses the case how it works for them."""
    case = published_case(slug)
    adoption = next((a for a in case.adoptions if a.organisation_id == org_id), None)
    if adoption is None:
        abort(404)
    target = relay.adopter_target(db.session, case, adoption)
    heading = _("Frage an %(org)s", org=adoption.organisation.name)
    return relay_form(target, ContactForm(),
                      back=url_for("catalog.case_detail", slug=case.slug, _anchor="adopters-heading"),
                      template_args={"case": case, "heading": heading,
                                     "action": url_for("community.contact_adopter", slug=case.slug, org_id=org_id)})


@bp.route("/cases/<slug>/ansprechperson", methods=["GET", "POST"])
@role_required(Role.READER)
def declare_referent(slug: str):
    """Become the referent ("Ansprechperson") of one's own organisation for this case."""
    case = published_case(slug)
    actor = current_actor()
    blocker = referents.blocker(db.session, case, actor)
    form = ReferentForm(prefix="ref", data={"name": actor.display_name or ""} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        status = 403 if blocker else 400
        if blocker is None:
            try:
                referents.declare(db.session, case, actor=actor, role=form.role.data, name=form.name.data)
            except referents.ReferentError as exc:
                add_error(form, exc.field, str(exc))
            else:
                flash(_("Sie sind jetzt Ansprechperson von %(org)s für diese Lösung. Fragen erreichen Sie über "
                        "das Kontaktformular; Ihre E-Mail-Adresse bleibt verborgen.",
                        org=organisation_of(db.session, actor).name), "success")
                return redirect(url_for("catalog.case_detail", slug=case.slug, _anchor="adopters-heading"), 303)
    return render_template("community/referent.html", case=case, form=form, blocker=blocker,
                           organisation=organisation_of(db.session, actor)), status


@bp.post("/cases/<slug>/ansprechperson/<int:org_id>/entfernen")
@role_required(Role.READER)
def withdraw_referent(slug: str, org_id: int):
    """Remove a referent entry (the referent themself, or a moderator)."""
    case = published_case(slug)
    ActionForm()
    try:
        referents.withdraw(db.session, case, org_id, actor=current_actor())
    except referents.ReferentNotAllowed as exc:
        abort(403, str(exc))
    flash(_("Der Eintrag als Ansprechperson ist entfernt."), "success")
    return redirect(url_for("catalog.case_detail", slug=case.slug, _anchor="adopters-heading"), 303)


@bp.errorhandler(referents.ReferentNotAllowed)
def referent_not_allowed(exc: referents.ReferentNotAllowed):
    from kb.web.errors import error_response

    return error_response(403, str(exc))
