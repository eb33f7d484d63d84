"""API tokens for integrations: one organisation each, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from kb.models import ApiToken, Organisation, OrganisationKind, User
from kb.models.base import utcnow
from kb.services import audit
from kb.services.registry import organisations
from kb.services.registry.gazetteer import get_resolver
from kb.services.registry.names import NameResolutionError

TOKEN_PREFIX = "pxa_"  # noqa: S105 - a public prefix, not a secret


class TokenError(ValueError):
    """A token cannot be created or changed; ``field`` names the option."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def hash_token(plain: str) -> str:
    """Return the stored form of a token (SHA-256; tokens are long random strings)."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def find_organisation(session: Session, text: str) -> Organisation | None:
    """Find an organisation by registry key, registry name or the name of a known organisation."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return organisations.for_key(session, text)
    try:
        return organisations.for_entry(session, get_resolver().resolve(text))
    except NameResolutionError:
        pass
    return session.scalar(select(Organisation).where(Organisation.lookup_key == f"name:{organisations.name_key(text)}"))


def create_token(session: Session, *, organisation_text: str, name: str, actor: User | None = None,
                 create_organisation: bool = False) -> tuple[ApiToken, str]:
    """Create a token for one organisation; return it and the plain token (shown once). Commits."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise TokenError("name", _("Bitte einen Namen für das Token angeben (höchstens 120 Zeichen)."))
    org = find_organisation(session, organisation_text)
    if org is None and create_organisation and organisation_text.strip():
        org = organisations.named(session, organisation_text.strip()[:200], kind=OrganisationKind.SONSTIGE)
    if org is None:
        raise TokenError("organisation", _(
            "Keine Kommune und keine bekannte Organisation „%(text)s“. Für eine neue Organisation "
            "außerhalb des Gemeindeverzeichnisses --new-organisation angeben.", text=organisation_text))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=hash_token(plain), organisation=org,
                     created_by_id=actor.id if actor else None)
    session.add(token)
    session.flush()
    audit.record(session, actor, "api_token.create", object_type="api_token", object_id=str(token.id),
                 data={"name": name, "organisation": org.name})
    session.commit()
    return token, plain


def authenticate(session: Session, plain: str | None) -> ApiToken | None:
    """Return the active token for a plain token, or None; notes when it was used (no commit)."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(plain)).options(joinedload(ApiToken.organisation))
    )
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = utcnow()
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).options(selectinload(ApiToken.organisation)).order_by(ApiToken.id)))


def revoke_token(session: Session, token_id: int, *, actor: User | None = None) -> ApiToken:
    """Revoke a token for good. Commits."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError("id", _("Kein Token mit der Nummer %(id)d.", id=token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, actor, "api_token.revoke", object_type="api_token", object_id=str(token.id),
                     data={"name": token.name, "organisation": token.organisation.name})
        session.commit()
    return token
