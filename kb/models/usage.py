"""The one counting rule of re-use: who *uses* a solution, who is only interested, who stopped.

An organisation uses a solution only with the adoption status ``pilot`` or ``in_betrieb``;
``interessiert`` is demand, counted separately; ``eingestellt`` is history ("früher genutzt
von"). Every figure of users (pages, API, publiccode.yml ``usedBy``, statistics, feeds, search
sorting, recommendations, municipality pages) is taken from here, so no two surfaces disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kb.models.enums import AdoptionStatus, CaseStatus

if TYPE_CHECKING:
    from kb.models.cases import Adoption

USE_STATUSES = (AdoptionStatus.PILOT, AdoptionStatus.IN_BETRIEB)
DEMAND_STATUSES = (AdoptionStatus.INTERESSIERT,)
HISTORY_STATUSES = (AdoptionStatus.EINGESTELLT,)
#: the owner runs its own case while the case is in one of these statuses
OWNER_RUNS_STATUSES = (CaseStatus.PILOT, CaseStatus.IN_BETRIEB)


def is_use(status: AdoptionStatus) -> bool:
    """True if an adoption with this status means the organisation uses the solution."""
    return status in USE_STATUSES


def usage_class(status: AdoptionStatus | None) -> str:
    """The kind of re-use a status counts as: ``use``, ``demand`` or ``history`` (``Usage``'s three
    figures)."""
    if status in USE_STATUSES:
        return "use"
    return "demand" if status in DEMAND_STATUSES else "history"


def uses_clause():
    """SQL condition on Adoption: the adoption is a use (pilot or in_betrieb)."""
    from kb.models.cases import Adoption

    return Adoption.status.in_(USE_STATUSES)


def running_organisation_ids(case_status: CaseStatus, owner_id: int, adoptions: Iterable) -> list[int]:
    """Ids of the organisations a case runs at: its users and its owner while the case is in pilot
    or in Betrieb (``adoptions``: anything with ``status`` and ``organisation_id``)."""
    ids = [a.organisation_id for a in adoptions if a.status in USE_STATUSES]
    if case_status in OWNER_RUNS_STATUSES:
        ids.insert(0, owner_id)
    return list(dict.fromkeys(ids))


def partial_date_start(value: str | None) -> datetime | None:
    """The first moment of a YYYY[-MM[-DD]] date in UTC ("2024-03" → 2024-03-01 00:00 UTC)."""
    if not value:
        return None
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)


@dataclass(frozen=True)
class Usage:
    """How many organisations use a case, are interested in it, or used it once."""

    users: int = 0
    interested: int = 0
    former: int = 0


def split(adoptions: Iterable[Adoption]) -> tuple[list[Adoption], list[Adoption], list[Adoption]]:
    """Users, interested and former users, each in the given order."""
    users, interested, former = [], [], []
    for adoption in adoptions:
        if adoption.status in USE_STATUSES:
            users.append(adoption)
        elif adoption.status in DEMAND_STATUSES:
            interested.append(adoption)
        else:
            former.append(adoption)
    return users, interested, former


def usage_of(adoptions: Iterable[Adoption]) -> Usage:
    """Count a case's adoptions by the rule."""
    users, interested, former = split(adoptions)
    return Usage(len(users), len(interested), len(former))
