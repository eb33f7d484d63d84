"""Login, logout, registration and e-mail confirmation."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from kb.extensions import db
from kb.services.accounts import authentication, registration, tokens
from kb.services.accounts import users as accounts
from kb.services.accounts.authentication import Outcome
from kb.services.registry import typeahead as places
from kb.views.auth.blueprint import bp
from kb.views.auth.forms import ConfirmForm, EmailForm, LoginForm, RegisterForm
from kb.web.permissions import current_actor
from kb.web.safe_redirect import safe_next
from kb.web.session_keys import KEPT_AT_SIGN_IN


def add_error(form, field: str, message: str) -> None:
    """Attach a service's message to the named field, or to the form as a whole."""
    target = getattr(form, field, None)
    if target is not None and hasattr(target, "errors") and not isinstance(target.errors, dict):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


LOGIN_PROBLEMS = {
    Outcome.INVALID: (400, "password", lambda r: _("E-Mail-Adresse oder Passwort ist falsch.")),
    Outcome.LOCKED: (429, "-", lambda r: _(
        "Zu viele fehlgeschlagene Anmeldeversuche: Die Anmeldung mit dieser E-Mail-Adresse ist für "
        "%(minutes)d Minuten gesperrt. Sie können in der Zwischenzeit Ihr Passwort zurücksetzen.",
        minutes=_minutes(r.retry_after))),
    Outcome.ADDRESS_LOCKED: (429, "-", lambda r: _(
        "Zu viele fehlgeschlagene Anmeldeversuche von Ihrem Netzwerk aus. Bitte versuchen Sie es in "
        "%(minutes)d Minuten erneut.", minutes=_minutes(r.retry_after))),
    Outcome.UNCONFIRMED: (403, "-", lambda r: _(
        "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse über den Link, den wir Ihnen geschickt haben.")),
    Outcome.INACTIVE: (403, "-", lambda r: _(
        "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an den Betreiber des Praxisatlas.")),
}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; repeated failures lock the sign-in for a while."""
    default = url_for("catalog.index")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), default))
    form = LoginForm(next=request.args.get("next", ""))
    status, outcome, retry_after = 200, None, 0
    if form.validate_on_submit():
        result = authentication.authenticate(db.session, form.email.data, form.password.data,
                                             request.remote_addr or "-")
        if result.ok:
            start_session(result.user)
            flash(_("Sie sind angemeldet."), "success")
            return redirect(safe_next(form.next.data, default), 303)
        status, field, message = LOGIN_PROBLEMS[result.outcome]
        add_error(form, field, message(result))
        outcome, retry_after = result.outcome, result.retry_after
    elif form.errors:
        status = 400
    response = make_response(render_template("auth/login.html", form=form, outcome=outcome), status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def start_session(user) -> None:
    """Begin a fresh session for the user (keeping the language choice and the Merkliste)."""
    kept = {key: session[key] for key in KEPT_AT_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    login_user(user)


@bp.post("/logout")
def logout():
    """Sign out (POST only, with CSRF token); the account's sessions end on every device."""
    if current_user.is_authenticated:
        accounts.sign_out(db.session, current_actor())
    logout_user()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("catalog.index"), 303)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account; the answer does not tell whether the address already had one."""
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = RegisterForm()
    form.state.choices = [("", _("– nicht nötig –"))] + places.land_choices(db.session)
    if form.validate_on_submit():
        try:
            registration.register(db.session, registration.Registration(
                email=form.email.data, password=form.password.data,
                display_name=form.display_name.data or "",
                municipality=places.normalise_input(form.municipality.data),
                state=form.state.data or "", organisation=form.organisation.data or ""))
        except accounts.AccountError as exc:
            add_error(form, exc.field, str(exc))
        else:
            return redirect(url_for("auth.register_done"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.get("/register/gesendet")
def register_done():
    """Tell the visitor to look into their mailbox."""
    return render_template("auth/register_done.html")


@bp.route("/konto/bestaetigen/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm an e-mail address: the link shows a button, pressing it confirms (POST)."""
    form = ConfirmForm()
    try:
        user = registration.user_for_confirmation(db.session, token)
    except tokens.TokenError as exc:
        return render_template("auth/token_problem.html", message=registration.explain_token_error(exc),
                               retry_endpoint="auth.resend_confirmation"), 400
    if form.validate_on_submit():
        registration.confirm_email(db.session, token)
        flash(_("Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden."), "success")
        return redirect(url_for("auth.login"), 303)
    return render_template("auth/confirm.html", form=form, email=user.email,
                           confirmed=user.email_confirmed_at is not None)


@bp.route("/konto/bestaetigung", methods=["GET", "POST"])
def resend_confirmation():
    """Send a new confirmation link (the answer is the same for every address)."""
    form = EmailForm()
    if form.validate_on_submit():
        registration.resend_confirmation(db.session, form.email.data)
        flash(_("Falls zu dieser Adresse ein unbestätigtes Konto gehört, haben wir einen neuen "
                "Bestätigungslink geschickt."), "info")
        return redirect(url_for("auth.login"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/email_form.html", form=form, purpose="confirm"), status
