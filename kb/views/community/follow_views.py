"""Follow and stop following; the member's list of follows; unsubscribing from a mail link."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import Role
from kb.services.accounts import tokens
from kb.services.community import follows, throttle
from kb.views.community.blueprint import bp
from kb.views.community.contact_views import client
from kb.views.community.forms import ActionForm, FollowForm
from kb.web.permissions import current_actor, role_required
from kb.web.safe_redirect import safe_next


@bp.post("/abos")
@role_required(Role.READER)
def follow():
    """Follow a case, topic, municipality or need (fields kind, ref; back to ``next``)."""
    form = FollowForm()
    back = safe_return_path(form.next.data)
    try:
        _row, target = follows.follow(db.session, current_actor(), form.kind.data or "", form.ref.data or "",
                                      client=client())
    except follows.FollowError as exc:
        return _refused(str(exc), 404)
    except throttle.Throttled as exc:
        return _refused(str(exc), 429)
    flash(_("Sie folgen jetzt: %(what)s. Neuigkeiten kommen höchstens einmal am Tag per E-Mail.",
            what=target.label), "success")
    return redirect(back, 303)


@bp.post("/abos/entfernen")
@role_required(Role.READER)
def unfollow():
    """Stop following (fields kind, ref; back to ``next``)."""
    form = FollowForm()
    follows.unfollow(db.session, current_actor(), form.kind.data or "", form.ref.data or "")
    flash(_("Sie folgen dem nicht mehr."), "success")
    return redirect(safe_return_path(form.next.data), 303)


def safe_return_path(target: str | None) -> str:
    return safe_next(target, url_for("catalog.index"))


def _refused(message: str, status: int):
    from kb.web.errors import error_response

    return error_response(status, message)


@bp.get("/konto/abos")
@role_required(Role.READER)
def my_follows():
    """Everything the member follows, with buttons to stop."""
    rows = follows.of_user(db.session, current_actor())
    return render_template("community/follows.html", rows=rows, form=FollowForm(formdata=None))


@bp.route("/abbestellen/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """End a follow (or all) from a mail link – no login needed; GET asks, POST does it."""
    try:
        found = follows.read_unsubscribe_token(db.session, token)
    except tokens.TokenError:
        return render_template("auth/token_problem.html", retry_endpoint="community.my_follows",
                               retry_label=_("Abos nach der Anmeldung verwalten"),
                               message=_("Dieser Abbestell-Link ist ungültig oder unvollständig – vielleicht wurde er "
                                         "beim Kopieren aus der E-Mail abgeschnitten. Nehmen Sie den ganzen Link aus "
                                         "der Mail oder beenden Sie Ihre Abos nach der Anmeldung.")), 404
    form = ActionForm()
    if request.method == "POST":
        count = follows.unsubscribe(db.session, token)
        return render_template("community/unsubscribed.html", count=count)
    target = follows.resolve(db.session, found.row.kind, found.row.ref) if found.row is not None else None
    return render_template("community/unsubscribe.html", found=found, target=target, form=form,
                           action=url_for("community.unsubscribe", token=token))
