"""Login, logout and registration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash

from kb.auth.blueprint import bp
from kb.auth.forms import LoginForm, RegisterForm
from kb.extensions import db
from kb.services import accounts


def safe_next(target: str | None) -> str:
    """Only allow redirects to paths on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return url_for("catalog.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.find_by_email(db.session, form.email.data)
        if user is not None and user.active and check_password_hash(user.password_hash, form.password.data):
            login_user(user)
            flash(_("Sie sind angemeldet."), "success")
            return redirect(safe_next(form.next.data))
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out (POST only, with CSRF token)."""
    logout_user()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("catalog.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a reader account."""
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.create_user(db.session, email=form.email.data, password=form.password.data)
        except accounts.AccountError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash(_("Ihr Konto ist angelegt. Sie können sich jetzt anmelden."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status
