"""Adopters named in a record sent through the write API: claims about third parties (issue 19, item 4).

An API token speaks only for its own organisation, which owns the case it sends. The
``adopters`` of such a record are what that organisation *says* about others, so they are not
written as adoptions. They travel with the submitted revision (``data["adopters"]``, import
format), the moderation review lists them, and publishing creates adoptions – unverified,
source ``api`` – only for the entries the moderator ticks. Existing adoptions are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Adoption, AdoptionSource, AdoptionStatus, Organisation, OrganisationKind, UseCase, User, labels
from kb.services import audit
from kb.services.adoptions import declarations as adoptions
from kb.services.cases.record import CaseRecord, OwnerRef
from kb.services.registry import organisations
from kb.services.registry.gazetteer import get_resolver


@dataclass
class ListedAdopter:
    """One held adopter as the review shows it."""

    index: int
    name: str
    key: str | None
    status: str
    note: str | None
    exists: bool  # the organisation already has an adoption of this case (left as it is)

    @property
    def status_label(self) -> str:
        return labels.label(labels.ADOPTION_STATUS, self.status)


def held_items(record: CaseRecord) -> list[dict[str, Any]]:
    """The record's adopters in import format, without the owner and without repeats."""
    items, seen = [], {_identity(record.owner)}
    for ref in record.adopters:
        identity = _identity(ref.owner)
        if identity in seen:
            continue
        seen.add(identity)
        item: dict[str, Any] = ({"municipality": ref.owner.entry.key} if ref.owner.entry is not None
                                else {"organisation": _organisation(ref.owner)})
        item["status"] = ref.status.value
        item.update({k: v for k, v in (("note", ref.note), ("since", ref.since)) if v})
        items.append(item)
    return items


def _identity(ref: OwnerRef) -> str:
    if ref.entry is not None:
        return f"key:{ref.entry.key}"
    return f"name:{organisations.name_key(ref.name or '')}"


def _organisation(ref: OwnerRef) -> dict[str, str]:
    data = {"name": ref.name or "?"}
    if ref.uri:
        data["uri"] = ref.uri
    if ref.kind is not OrganisationKind.SONSTIGE:
        data["kind"] = ref.kind.value
    return data


def describe(session: Session, case: UseCase, items: list[dict[str, Any]] | None) -> list[ListedAdopter]:
    """The held adopters of a submission, numbered as the decision form sends them back."""
    existing = {a.organisation_id for a in case.adoptions}
    listed = []
    for index, item in enumerate(items or []):
        org = _find(session, item)
        key = item.get("municipality")
        entry = get_resolver().lookup(key) if key else None
        name = entry.display_name if entry else (item.get("organisation") or {}).get("name") or str(key)
        listed.append(ListedAdopter(index, name, key, item.get("status") or "in_betrieb", item.get("note"),
                                    org is not None and org.id in existing))
    return listed


def _find(session: Session, item: dict[str, Any]) -> Organisation | None:
    """The organisation an item names, if it exists already (reading only: the review is a GET)."""
    key = str(item.get("municipality") or "")
    if key:
        lookup = f"ags:{key}" if len(key) == 8 else f"kreis:{key}"
    else:
        lookup = f"name:{organisations.name_key(str((item.get('organisation') or {}).get('name') or ''))}"
    return session.scalar(select(Organisation).where(Organisation.lookup_key == lookup))


def create_chosen(session: Session, case: UseCase, items: list[dict[str, Any]] | None, chosen: Iterable[int], *,
                  actor: User) -> int:
    """Enter the ticked entries that have no adoption yet as the moderation's (unverified); return how many (no commit).

    The submitter named these municipalities, they did not declare it themselves: the badge says "Eintrag der
    Moderation", never "Angabe der Kommune".
    """
    wanted = {i for i in chosen if isinstance(i, int)}
    created = 0
    for index, item in enumerate(items or []):
        if index not in wanted:
            continue
        org = _organisation_for(session, item)
        if org is None or org.id == case.owner_id or adoptions.find(session, case, org) is not None:
            continue
        adoption = Adoption(case=case, organisation=org, status=AdoptionStatus(item.get("status") or "in_betrieb"),
                            note=item.get("note"), since=item.get("since"), source=AdoptionSource.MODERATOR,
                            verified=False)
        session.add(adoption)
        session.flush()
        audit.record(session, actor, "adoption.declare", object_type="adoption", object_id=str(adoption.id),
                     case=case, data={"after": adoptions.snapshot(adoption), "via": "api-submission"})
        created += 1
    return created


def _organisation_for(session: Session, item: dict[str, Any]) -> Organisation | None:
    key = item.get("municipality")
    if key:
        return organisations.for_key(session, str(key))
    data = item.get("organisation") or {}
    if not data.get("name"):
        return None
    return organisations.named(session, str(data["name"])[:200], data.get("uri"),
                               OrganisationKind(data.get("kind") or "sonstige"))
