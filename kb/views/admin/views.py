"""Account administration and the audit log (admins only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import Role, User
from kb.services import audit
from kb.services.accounts import admin as user_admin
from kb.services.accounts.admin import AdminError
from kb.services.interchange.harvest import status as harvest_status
from kb.views.admin.blueprint import bp
from kb.web.permissions import current_actor, role_required
from kb.web.query_params import ParamError, int_arg

PER_PAGE = 25


def _page() -> int:
    """The requested page; an unusable number shows the first page."""
    try:
        return int_arg("page", 1, 1, 10_000)
    except ParamError:
        return 1


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    """Search and filter accounts."""
    text = (request.args.get("q") or "").strip()[:200]
    role = request.args.get("role") or ""
    state = request.args.get("state") or ""
    errors = []
    if role and role not in {r.value for r in Role}:
        errors.append(_("Unbekannte Rolle „%(role)s“.", role=role))
        role = ""
    if state and state not in user_admin.FILTERS:
        errors.append(_("Unbekannter Filter „%(state)s“.", state=state))
        state = ""
    page = user_admin.list_users(db.session, text=text, role=role, state=state, page=_page(), per_page=PER_PAGE)
    return render_template("admin/users.html", page=page, q=text, role=role, state=state, roles=list(Role),
                           errors=errors, is_locked=user_admin.is_locked), 400 if errors else 200


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _detail(user: User, error: str | None = None, status: int = 200):
    return render_template("admin/user.html", user=user, roles=list(Role), error=error,
                           events=audit.for_user(db.session, user),
                           locked=user_admin.is_locked(user)), status


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id: int):
    """One account with the actions an admin can take."""
    return _detail(_user(user_id))


def _act(user_id: int, action, success: str):
    """Run an admin action; re-show the page with the reason (400) if it is not possible."""
    target = _user(user_id)
    try:
        action(target)
    except AdminError as exc:
        return _detail(target, str(exc), 400)
    except ValueError:
        return _detail(target, _("Ungültige Eingabe."), 400)
    flash(success, "success")
    return redirect(url_for("admin.user", user_id=target.id), 303)


def _flag(name: str) -> bool:
    value = request.form.get(name)
    if value not in ("0", "1"):
        raise ValueError(name)
    return value == "1"


@bp.post("/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def change_role(user_id: int):
    """Give the account another role."""
    return _act(user_id, lambda u: user_admin.change_role(db.session, u, Role(request.form.get("role", "")),
                                                          actor=current_actor()),
                _("Die Rolle ist geändert."))


@bp.post("/users/<int:user_id>/membership")
@role_required(Role.ADMIN)
def membership(user_id: int):
    """Confirm (verified=1) or withdraw (verified=0) the account's membership."""
    return _act(user_id, lambda u: user_admin.set_membership_verified(db.session, u, _flag("verified"),
                                                                      actor=current_actor()),
                _("Die Zugehörigkeit ist gespeichert."))


@bp.post("/users/<int:user_id>/active")
@role_required(Role.ADMIN)
def active(user_id: int):
    """Deactivate (active=0) or reactivate (active=1) the account."""
    return _act(user_id, lambda u: user_admin.set_active(db.session, u, _flag("active"), actor=current_actor(),
                                                         reason=request.form.get("reason")),
                _("Der Kontostatus ist gespeichert."))


@bp.post("/users/<int:user_id>/unlock")
@role_required(Role.ADMIN)
def unlock(user_id: int):
    """Lift a lock-out after failed logins."""
    return _act(user_id, lambda u: user_admin.unlock(db.session, u, actor=current_actor()),
                _("Die Sperre ist aufgehoben."))


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log():
    """Who did what, when and why – newest first."""
    text = (request.args.get("q") or "").strip()[:200]
    action = (request.args.get("action") or "").strip()[:60]
    page = audit.events(db.session, text=text, action=action, page=_page())
    return render_template("admin/audit.html", page=page, q=text, action=action)


@bp.get("/quellen")
@role_required(Role.ADMIN)
def harvest_sources():
    """The publiccode.yml sources of the harvester with their last result and errors."""
    return render_template("admin/sources.html", sources=harvest_status.all_sources(db.session))
