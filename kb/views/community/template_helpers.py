"""What the community templates need on other blueprints' pages (case, municipality, browse).

Registered as template globals, so the catalogue's templates can include ``community/_*.html``
without knowing this blueprint. Nothing here reveals an e-mail address: recipients are shown
by their label (name, role, organisation) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import g
from flask_babel import gettext as _

from kb.extensions import db
from kb.models import FollowKind, Need, Organisation, Referent, Topic, UseCase, User
from kb.services.adoptions.declarations import is_moderator, organisation_of
from kb.services.community import follows, needs, pools, referents, relay
from kb.views.community.blueprint import bp
from kb.views.community.forms import ActionForm, ContactForm, ReferentForm
from kb.web.permissions import current_actor


@dataclass
class CasePanel:
    """The viewer's ways to reach the people behind a case."""

    actor: User | None
    team_label: str | None  # who "Frage an das Team" reaches (None: nobody yet)
    adopters: dict[int, str]  # organisation id -> who "Frage an Nutzer" reaches
    referents: dict[int, Referent]
    referent_blocker: str | None
    organisation: Organisation | None
    interested: int
    is_moderator: bool

    @cached_property
    def contact_form(self) -> ContactForm:
        """The relay's form, made when a page shows it (to signed-in viewers only)."""
        return ContactForm(formdata=None)

    @cached_property
    def action_form(self) -> ActionForm:
        return ActionForm(formdata=None)

    @property
    def can_be_referent(self) -> bool:
        return self.referent_blocker is None

    def own_referent(self) -> Referent | None:
        if self.organisation is None:
            return None
        return self.referents.get(self.organisation.id)


@bp.app_template_global()
def community_panel(case: UseCase) -> CasePanel:
    """Contact, referents and pool size of a published case for the current viewer (once per request)."""
    cache = g.setdefault("kb_community_panels", {})
    if case.id not in cache:
        cache[case.id] = _panel(case)
    return cache[case.id]


def _panel(case: UseCase) -> CasePanel:
    session = db.session
    actor = current_actor()
    with session.no_autoflush:
        by_org = referents.for_case(session, case)
        team = relay.team_recipient(session, case, by_org) if case.is_published else None
        reachable = relay.adopter_recipients(session, case, list(case.adoptions), by_org) if case.is_published else {}
        org = organisation_of(session, actor)
    return CasePanel(
        actor=actor,
        team_label=team.label if team else None,
        adopters={org_id: r.label for org_id, r in reachable.items()},
        referents=by_org,
        referent_blocker=referents.blocker(session, case, actor) if actor else None,
        organisation=org,
        interested=len(pools.case_pool(case)),
        is_moderator=is_moderator(actor),
    )


@bp.app_template_global()
def follow_state(kind: str, ref) -> dict:
    """Is the viewer following (kind, ref)? (The button's form carries only the form token.)"""
    actor = current_actor()
    ref = str(ref)
    following = actor is not None and follows.find(db.session, actor, FollowKind(kind), ref) is not None
    return {"signed_in": actor is not None, "following": following, "kind": kind, "ref": ref}


@bp.app_template_global()
def referent_form() -> ReferentForm:
    actor = current_actor()
    return ReferentForm(prefix="ref", formdata=None, data={"name": actor.display_name or ""} if actor else None)


@bp.app_template_global()
def topic_by_name(name: str) -> Topic | None:
    """The topic with this name or slug (any case), for the follow button on a filtered list."""
    from sqlalchemy import func, or_, select

    return db.session.scalar(select(Topic).where(or_(func.lower(Topic.name) == name.casefold(),
                                                     Topic.slug == name)))


@bp.app_template_filter("mail_domain")
def mail_domain(address: str | None) -> str:
    """Only the domain of an address ("leipzig.de"): enough for moderators to judge a membership."""
    return (address or "").rpartition("@")[2] or "–"


@bp.app_template_filter("person")
def person(user: User | None) -> str:
    """How a page names an account: its display name, else its number – never its address."""
    if user is None:
        return "–"
    return user.display_name or _("Konto Nr. %(id)d", id=user.id)


@bp.app_template_global()
def waiting_needs() -> list[Need]:
    """Needs waiting for moderation (for the moderation queue)."""
    return needs.waiting(db.session)


@bp.app_template_global()
def needs_of_place(organisation) -> tuple[needs.PlaceNeed, ...]:
    """Published needs a municipality posted or joined (for the municipality page)."""
    return needs.for_organisation(db.session, organisation)
