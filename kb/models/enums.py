"""Enumerations stored in the database (by value, with CHECK constraints)."""

from __future__ import annotations

import enum


class CaseStatus(enum.StrEnum):
    """How far a solution has come in its owner's municipality."""

    PLANUNG = "planung"
    PILOT = "pilot"
    IN_BETRIEB = "in_betrieb"
    EINGESTELLT = "eingestellt"


class ModerationState(enum.StrEnum):
    """Where a case stands in moderation; only PUBLISHED is public."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"


class AdoptionStatus(enum.StrEnum):
    """How far an adopter has come with a solution."""

    INTERESSIERT = "interessiert"
    PILOT = "pilot"
    IN_BETRIEB = "in_betrieb"
    EINGESTELLT = "eingestellt"


class AdoptionSource(enum.StrEnum):
    """Where an adoption record came from; only DECLARED can be verified."""

    DECLARED = "declared"
    IMPORTED = "imported"
    SEED = "seed"
    PUBLICCODE = "publiccode"
    API = "api"
    MODERATOR = "moderator"


class ReusePathKind(enum.StrEnum):
    """How another municipality can get a solution."""

    OPEN_SOURCE = "open_source"  # run it yourself
    EFA = "efa"  # Einer für Alle / Länderdienst
    INHOUSE = "inhouse"  # Inhouse-Vergabe an den kommunalen IT-Dienstleister (§ 108 GWB)
    FRAMEWORK = "framework"  # Rahmenvertrag / Abruf
    MEMBERSHIP = "membership"  # Mitgliedschaft / Kooperation
    PURCHASE = "purchase"  # Beschaffung am Markt
    SERVICE = "service"  # Dienst eines Anbieters


class OperatorKind(enum.StrEnum):
    """Who runs a solution for its owner."""

    MUNICIPALITY = "municipality"  # the municipality itself (also its own enterprise or subsidiary)
    IT_SERVICE_PROVIDER = "it_service_provider"  # a (municipal) IT service provider
    VENDOR = "vendor"  # a company or research institute that offers it
    ASSOCIATION = "association"  # an association, foundation or network
    PUBLIC_BODY = "public_body"  # another public body: a Land, the Bund, FITKO


class Hosting(enum.StrEnum):
    """Where a solution runs."""

    ON_PREMISE = "on_premise"
    IT_SERVICE_PROVIDER = "it_service_provider"  # Rechenzentrum des IT-Dienstleisters
    CLOUD = "cloud"


class OrganisationKind(enum.StrEnum):
    """What kind of body an owner or adopter is."""

    GEMEINDE = "gemeinde"
    KREIS = "kreis"
    LAND = "land"
    BUND = "bund"
    VERBAND = "verband"
    UNTERNEHMEN = "unternehmen"
    FORSCHUNG = "forschung"
    AUSLAND = "ausland"
    SONSTIGE = "sonstige"


class Role(enum.StrEnum):
    """Account roles, each including the rights of the ones before it."""

    READER = "reader"
    CONTRIBUTOR = "contributor"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class ProposalState(enum.StrEnum):
    """Where a held contribution stands in moderation; only ACCEPTED ones changed a published record."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ProposalKind(enum.StrEnum):
    """What a held contribution proposes for an organisation's adoption of a case."""

    DECLARATION = "declaration"  # status and note: a new adoption, or a change of the existing one
    REPORT = "report"  # the experience report of the existing adoption (empty: delete it)


class RevisionState(enum.StrEnum):
    """State of a stored revision of a case."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    CHANGES_REQUESTED = "changes_requested"  # the version the moderation sent back with a request


class FollowKind(enum.StrEnum):
    """What a member can follow: a case, a topic, a municipality (or Kreis) or a need."""

    CASE = "case"
    TOPIC = "topic"
    PLACE = "place"
    NEED = "need"


class UpdateKind(enum.StrEnum):
    """Something that happened to a published case or need (feeds and digests)."""

    PUBLISHED = "published"  # a case was published (moderation or import)
    UPDATED = "updated"  # a published case's text or facts changed
    STATUS = "status"  # a published case's status changed
    ADOPTION = "adoption"  # a municipality uses or is interested in the case
    ADOPTION_STATUS = "adoption_status"  # an adopter's status changed
    REPORT = "report"  # an experience report was written or changed
    NEED_PUBLISHED = "need_published"
    NEED_JOINED = "need_joined"  # another municipality joined a need ("wir auch")
    NEED_MATCH = "need_match"  # a newly published case matches an open need


class NeedStatus(enum.StrEnum):
    """Whether a need is still looking for a solution."""

    OPEN = "offen"
    CLOSED = "erledigt"


class ActionKind(enum.StrEnum):
    """Rate-limited actions of members, logged without their content."""

    RELAY = "relay"
    FOLLOW = "follow"
