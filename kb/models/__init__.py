"""All models, importable from one place: the registry (Länder, Kreise, municipalities,
organisations), cases and adoptions, accounts and their records, the search outbox; the
declarative base and column types (base), the enums and their human labels (enums, labels).

The lowest layer: imports nothing of kb but itself.
"""

from kb.models.accounts import ApiToken, AppSetting, AuditEvent, CaseRevision, LoginAttempt, User
from kb.models.cases import Adoption, ExperienceReport, Topic, UseCase, case_topic
from kb.models.enums import (
    AdoptionSource,
    AdoptionStatus,
    CaseStatus,
    ModerationState,
    OrganisationKind,
    ProposalKind,
    ProposalState,
    RevisionState,
    Role,
)
from kb.models.proposals import AdoptionProposal
from kb.models.registry import Kreis, Land, Municipality, Organisation
from kb.models.search import SearchOutbox

__all__ = [
    "Adoption",
    "AdoptionProposal",
    "AdoptionSource",
    "AdoptionStatus",
    "ApiToken",
    "AppSetting",
    "AuditEvent",
    "CaseRevision",
    "CaseStatus",
    "ExperienceReport",
    "Kreis",
    "Land",
    "LoginAttempt",
    "ModerationState",
    "Municipality",
    "Organisation",
    "OrganisationKind",
    "ProposalKind",
    "ProposalState",
    "RevisionState",
    "Role",
    "SearchOutbox",
    "Topic",
    "UseCase",
    "User",
    "case_topic",
]
