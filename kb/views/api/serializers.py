"""JSON shapes of the API (INTERFACES §5)."""

from __future__ import annotations

from typing import Any

from kb.models import Adoption, Organisation, UseCase
from kb.services.adoptions import declarations as adoptions
from kb.services.catalog.cards import CardSummary
from kb.services.catalog.place_profile import Profile
from kb.services.community.addresses import public_contact
from kb.services.links import external_url
from kb.web.sanitize import clean_highlight


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def owner_json(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "key": org.key,
        "kind": org.kind.value,
        "state": org.land.name if org.land else None,
        "uri": org.uri,
    }


def case_summary(case: UseCase) -> dict[str, Any]:
    """A case in lists."""
    return {
        "slug": case.slug,
        "title": case.title,
        "summary": case.summary,
        "municipality": case.owner.name,
        "municipality_key": case.owner.key,
        "state": case.owner.land.name if case.owner.land else None,
        "topics": [t.name for t in case.topics],
        "status": case.status.value,
        **usage_json(case),
        "published": _iso(case.published_at),
        "updated": _iso(case.updated_at),
    }


def card_summary(card: CardSummary) -> dict[str, Any]:
    """:func:`case_summary` of a plain card (kb.services.catalog.cards): the same keys and values."""
    usage = card.usage
    return {
        "slug": card.slug,
        "title": card.title,
        "summary": card.summary,
        "municipality": card.owner_name,
        "municipality_key": card.owner_key,
        "state": card.land_name,
        "topics": list(card.topics),
        "status": card.status.value,
        "adopter_count": usage.users,
        "interested_count": usage.interested,
        "former_count": usage.former,
        "published": _iso(card.published_at),
        "updated": _iso(card.updated_at),
    }


def usage_json(case: UseCase) -> dict[str, int]:
    """The counting rule (kb.models.usage): users (pilot, in_betrieb), interested, former users."""
    usage = case.usage
    return {"adopter_count": usage.users, "interested_count": usage.interested, "former_count": usage.former}


def adopter_json(adoption: Adoption) -> dict[str, Any]:
    org = adoption.organisation
    return {
        "name": org.name,
        "key": org.key,
        "kind": org.kind.value,
        "state": org.land.name if org.land else None,
        "status": adoption.status.value,
        "verified": adoption.verified,
        "owner_confirmed": _iso(adoption.owner_confirmed_at),
        "moderation_confirmed": _iso(adoption.moderation_confirmed_at),
        "note": adoption.note,
        "since": adoption.since,
        "source": adoption.source.value,
        "updated": _iso(adoption.updated_at),
        "confirmed": _iso(adoptions.last_confirmed(adoption)),
        "stale": adoptions.is_stale(adoption),
    }


def case_detail(case: UseCase) -> dict[str, Any]:
    """One case with every field and its adopters."""
    data = case_summary(case)
    data.update(
        description=case.description,
        owner=owner_json(case.owner),
        tags=list(case.tags or []),
        contact=public_contact(case.contact),
        links=list(case.links or []),
        license=case.license,
        repository=case.repository,
        started=case.started,
        costs=case.costs,
        lessons=case.lessons,
        reuse=case.reuse,
        **facts_json(case),
        created=_iso(case.created_at),
        adopters=[adopter_json(a) for a in case.adoptions],
    )
    return data


def facts_json(case: UseCase) -> dict[str, Any]:
    """The structured re-use facts; every key present, missing values null (or [])."""
    operator = {"kind": case.operator_kind.value if case.operator_kind else None, "name": case.operator_name}
    return {
        "reuse_path": [p.as_record() for p in case.reuse_paths],
        "operator": operator if any(operator.values()) else None,
        "hosting": case.hosting.value if case.hosting else None,
        "costs_once_eur": case.costs_once_eur,
        "costs_yearly_eur": case.costs_yearly_eur,
        "funding": case.funding,
        "effort_person_days": case.effort_person_days,
    }


def change_json(change) -> dict[str, Any]:
    """One entry of the change feed: a published case (with its API address) or a tombstone."""
    published = change.state.value == "published"
    return {
        "slug": change.slug,
        "change": change.state.value,
        "changed": _iso(change.changed_at),
        "url": external_url("api.get_case", slug=change.slug) if published else None,
    }


def source_json(source) -> dict[str, Any] | None:
    """Where a harvested case comes from: its publiccode.yml, the last harvest, whether it is still reachable."""
    if source is None:
        return None
    return {"url": source.url, "harvested": _iso(source.harvested_at), "unreachable": source.unreachable}


def profile_json(profile: Profile) -> dict[str, Any]:
    """A municipality or Kreis with what it runs and what it adopted."""
    m = profile.municipality
    data: dict[str, Any] = {
        "key": profile.key,
        "name": profile.name,
        "kind": profile.kind,
        "official_name": m.name if m else profile.kreis.name,
        "type": m.typ if m else profile.kreis.typ,
        "state": profile.land.name,
        "state_code": profile.land.code,
        "kreis": {"key": profile.kreis.key, "name": profile.kreis.display_name} if m and profile.kreis else None,
        "population": m.population if m else profile.kreis.population,
        "area_km2": m.area_km2 if m else profile.kreis.area_km2,
        "lat": m.lat if m else profile.kreis.lat,
        "lon": m.lon if m else profile.kreis.lon,
        "runs": [case_summary(c) for c in profile.owned],
        "adopted": [_adopted_json(a) for a in profile.adopted],
        "interested": [_adopted_json(a) for a in profile.interested],
        "former": [_adopted_json(a) for a in profile.former],
    }
    return data


def _adopted_json(adoption: Adoption) -> dict[str, Any]:
    keys = ("status", "verified", "stale", "note", "since", "updated", "source")
    return {**case_summary(adoption.case), "adoption": {k: v for k, v in adopter_json(adoption).items() if k in keys}}


def recommendation_json(rec) -> dict[str, Any]:
    """A "Kommunen wie Ihre" recommendation: the case, why, and by whom it is used."""
    return {**card_summary(rec.case), "score": round(rec.score, 2), "reason": rec.reason,
            "reasons": list(rec.reasons), "used_by": [m.ags for m in rec.examples]}


def search_hit(hit) -> dict[str, Any]:
    """A search result: the case summary plus score and sanitised highlights."""
    data = card_summary(hit.case) if isinstance(hit.case, CardSummary) else case_summary(hit.case)
    data["score"] = round(hit.score, 4)
    data["weaker"] = hit.weaker
    data["highlights"] = {field: clean_highlight(snippet) for field, snippet in hit.highlights.items()}
    return data
