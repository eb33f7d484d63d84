"""What the adoption templates need on a case page: the viewer's options, map points, staleness.

Registered as template globals and tests, so the catalogue's case page can include
``adoption/_actions.html`` and ``adoption/_map.html`` without knowing this blueprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from kb.extensions import db
from kb.models import Adoption, AdoptionProposal, Organisation, ProposalKind, UseCase, User
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.adoptions import reports as experience_reports
from kb.services.catalog import geo
from kb.views.adoption.blueprint import bp
from kb.views.adoption.forms import ActionForm, DeclareForm
from kb.web.permissions import current_actor


@dataclass
class Panel:
    """The viewer's relation to a case's adoptions."""

    actor: User | None
    organisation: Organisation | None
    own: Adoption | None
    blocker: str | None
    can_moderate: bool
    declare_form: DeclareForm
    action_form: ActionForm
    reports: list[Adoption] = field(default_factory=list)
    pending: list[AdoptionProposal] = field(default_factory=list)
    speaks_for: bool = False

    @property
    def can_declare(self) -> bool:
        return self.blocker is None

    @property
    def pending_declaration(self) -> AdoptionProposal | None:
        """The viewer's declaration that waits for moderation."""
        return next((p for p in self.pending if p.kind is ProposalKind.DECLARATION), None)

    @property
    def pending_report(self) -> AdoptionProposal | None:
        """The viewer's experience report that waits for moderation."""
        return next((p for p in self.pending if p.kind is ProposalKind.REPORT), None)


@bp.app_template_global()
def adoption_panel(case: UseCase) -> Panel:
    """Return the viewer's options for declaring, changing or withdrawing re-use of ``case``."""
    actor = current_actor()
    session = db.session
    with session.no_autoflush:
        org = adoptions.organisation_of(session, actor)
        own = adoptions.find(session, case, org) if org is not None and org.id is not None else None
    blocker = adoptions.declare_blocker(session, case, actor)
    pending = adoption_proposals.pending_of(session, case, actor)
    shown = next((p for p in pending if p.kind is ProposalKind.DECLARATION), None) or own
    data = {"status": shown.status.value, "note": shown.note or "",
            **DeclareForm.since_data(shown.since)} if shown else None
    return Panel(
        actor=actor,
        organisation=org,
        own=own,
        blocker=blocker,
        can_moderate=adoptions.is_moderator(actor),
        declare_form=DeclareForm(formdata=None, data=data),
        action_form=ActionForm(formdata=None),
        reports=[a for a in case.adoptions if a.report is not None],
        pending=pending,
        speaks_for=org is not None and adoptions.may_speak_for(actor, org),
    )


@bp.app_template_test("stale")
def stale_test(adoption: Adoption) -> bool:
    """``{% if adoption is stale %}``: not confirmed for more than 12 months."""
    return adoptions.is_stale(adoption)


@bp.app_template_global()
def map_settings() -> dict:
    """Tile URL and its attribution (both optional; no tiles by default)."""
    return {"tile_url": current_app.config.get("KB_MAP_TILE_URL") or "",
            "tile_attribution": current_app.config.get("KB_MAP_TILE_ATTRIBUTION") or ""}


@bp.app_template_global()
def case_map_points(case: UseCase) -> list[geo.MapPoint]:
    return geo.case_points(case)


@bp.app_template_global()
def map_points_json(points: list[geo.MapPoint]) -> list[dict]:
    return [p.as_json() for p in points if p.has_position]


@bp.app_template_global()
def map_role_label(role: str) -> str:
    return geo.role_label(role)


@bp.app_template_global()
def cost_band_label(value: str) -> str:
    return str(experience_reports.COST_BANDS.get(value, value))


@bp.app_template_global()
def recommend_label(value: str) -> str:
    return str(experience_reports.RECOMMEND.get(value, value))


@bp.app_template_global()
def viewer_is_moderator() -> bool:
    return adoptions.is_moderator(current_actor())


@bp.app_template_global()
def viewer_confirms_for(case: UseCase) -> bool:
    """True if the viewer may confirm adopters as the case's owner (a verified member of it)."""
    return adoptions.is_verified_member(current_actor(), case.owner)
