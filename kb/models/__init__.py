"""All models, importable from one place: the registry (Länder, Kreise, municipalities,
organisations), cases and adoptions, accounts and their records, the search outbox; the
declarative base and column types (base), the enums and their human labels (enums, labels).

The lowest layer: imports nothing of kb but itself.
"""

from kb.models.accounts import ApiToken, AppSetting, AuditEvent, CaseRevision, LoginAttempt, User
from kb.models.cases import Adoption, ExperienceReport, ReusePath, Topic, UseCase, case_topic
from kb.models.community import ActionLog, Follow, Need, NeedMember, Referent, UpdateEvent
from kb.models.enums import (
    ActionKind,
    AdoptionSource,
    AdoptionStatus,
    CaseStatus,
    FollowKind,
    Hosting,
    ModerationState,
    NeedStatus,
    OperatorKind,
    OrganisationKind,
    ProposalKind,
    ProposalState,
    ReusePathKind,
    RevisionState,
    Role,
    UpdateKind,
)
from kb.models.interchange import CaseChange, ChangeState, HarvestOutcome, HarvestSource
from kb.models.proposals import AdoptionProposal
from kb.models.registry import Kreis, Land, Municipality, Organisation
from kb.models.search import SearchOutbox
from kb.models.shortlist import ShortlistEntry

__all__ = [
    "ActionKind",
    "ActionLog",
    "Adoption",
    "AdoptionProposal",
    "AdoptionSource",
    "AdoptionStatus",
    "ApiToken",
    "AppSetting",
    "AuditEvent",
    "CaseChange",
    "CaseRevision",
    "CaseStatus",
    "ChangeState",
    "ExperienceReport",
    "Follow",
    "FollowKind",
    "HarvestOutcome",
    "HarvestSource",
    "Hosting",
    "Kreis",
    "Land",
    "LoginAttempt",
    "ModerationState",
    "OperatorKind",
    "Municipality",
    "Need",
    "NeedMember",
    "NeedStatus",
    "Organisation",
    "OrganisationKind",
    "ProposalKind",
    "ProposalState",
    "Referent",
    "ReusePath",
    "ReusePathKind",
    "RevisionState",
    "Role",
    "SearchOutbox",
    "ShortlistEntry",
    "Topic",
    "UpdateEvent",
    "UpdateKind",
    "UseCase",
    "User",
    "case_topic",
]
