"""Forgotten password, reset by mail link, change while signed in, the own account page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from kb.extensions import db
from kb.services.accounts import passwords, tokens
from kb.services.accounts import users as accounts
from kb.views.auth.blueprint import bp
from kb.views.auth.forms import ChangePasswordForm, EmailForm, ResetPasswordForm
from kb.views.auth.views import add_error, start_session
from kb.web.permissions import current_actor


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer never tells whether the address has an account."""
    form = EmailForm()
    if form.validate_on_submit():
        passwords.request_reset(db.session, form.email.data)
        flash(_("Wenn es zu dieser Adresse ein Konto gibt, haben wir einen Link zum Zurücksetzen "
                "geschickt. Bitte sehen Sie in Ihr Postfach (auch in den Spam-Ordner)."), "info")
        return redirect(url_for("auth.login"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/email_form.html", form=form, purpose="reset"), status


@bp.route("/passwort-neu/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with the link from the mail (works once, expires)."""
    try:
        passwords.user_for_reset(db.session, token)
    except tokens.TokenError as exc:
        return render_template("auth/token_problem.html", message=passwords.explain_token_error(exc),
                               retry_endpoint="auth.forgot_password"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = passwords.reset_password(db.session, token, form.password.data, request.remote_addr or "-")
        except accounts.AccountError as exc:
            add_error(form, exc.field, str(exc))
        else:
            start_session(user)
            flash(_("Ihr neues Passwort ist gespeichert. Sie sind angemeldet."), "success")
            return redirect(url_for("auth.account"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/reset_password.html", form=form), status


@bp.get("/konto")
@login_required
def account():
    """Show the own account: address, role, municipality and whether it is verified."""
    return render_template("auth/account.html", user=current_user)


@bp.route("/konto/passwort", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password after entering the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = current_actor()
            passwords.change_password(db.session, user, form.current.data, form.password.data)
        except accounts.AccountError as exc:
            add_error(form, exc.field, str(exc))
        else:
            login_user(user)  # other sessions ended with the old session version; this one goes on
            flash(_("Ihr Passwort ist geändert."), "success")
            return redirect(url_for("auth.account"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


@bp.post("/konto/ueberall-abmelden")
@login_required
def sign_out_everywhere():
    """End every session of the account, on all devices (POST with CSRF token)."""
    accounts.sign_out(db.session, current_actor(), everywhere=True)
    logout_user()
    flash(_("Sie sind jetzt auf allen Geräten abgemeldet."), "success")
    return redirect(url_for("auth.login"), 303)
