"""Where the visitor's Merkliste lives: the account for members, the session for everyone else.

A visitor's session list moves into the account at sign-in (Flask-Login's ``user_logged_in``);
the sign-in keeps ``SESSION_KEY`` when it starts a fresh session.
"""

from __future__ import annotations

from flask import g, session
from flask_login import user_logged_in

from kb.extensions import db
from kb.models import UseCase, User
from kb.services.catalog import shortlist
from kb.views.shortlist.blueprint import bp
from kb.web.permissions import current_actor
from kb.web.session_keys import SHORTLIST as SESSION_KEY


def _session_ids() -> list[int]:
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, list):
        return []
    return [i for i in raw if isinstance(i, int) and not isinstance(i, bool)][: shortlist.MAX_ENTRIES]


def ids() -> list[int]:
    """Case ids on the visitor's Merkliste (cached for the request)."""
    if "kb_shortlist" not in g:
        actor = current_actor()
        g.kb_shortlist = shortlist.ids_of(db.session, actor) if actor else _session_ids()
    return g.kb_shortlist


def add(case: UseCase) -> None:
    """Save ``case``; raise shortlist.ShortlistFull when the list is full."""
    actor = current_actor()
    if actor is not None:
        shortlist.add(db.session, actor, case)
    else:
        session[SESSION_KEY] = shortlist.anonymous_add(_session_ids(), case)
    g.pop("kb_shortlist", None)


def remove(case_id: int) -> None:
    actor = current_actor()
    if actor is not None:
        shortlist.remove(db.session, actor, case_id)
    else:
        session[SESSION_KEY] = [i for i in _session_ids() if i != case_id]
    g.pop("kb_shortlist", None)


def _take_over(sender, user: User, **_extra) -> None:
    """At sign-in, move the visitor's session list into the account."""
    waiting = _session_ids()
    if waiting:
        shortlist.merge(db.session, user, waiting)
        session.pop(SESSION_KEY, None)


@bp.record_once
def _connect(_state) -> None:
    user_logged_in.connect(_take_over)
