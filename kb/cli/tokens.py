"""CLI commands for API tokens: create-token, list-tokens, revoke-token."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kb.cli.console import fail
from kb.extensions import db
from kb.models.base import DB_INT_MAX
from kb.services.accounts import api_tokens


@click.command("create-token")
@click.option("--organisation", required=True, help="AGS, Kreisschlüssel, Name der Kommune oder Organisation")
@click.option("--name", required=True, help="Wofür das Token ist, z. B. „Landesportal Brandenburg“")
@click.option("--new-organisation", is_flag=True, help="Organisation außerhalb des Gemeindeverzeichnisses anlegen")
@with_appcontext
def create_token(organisation: str, name: str, new_organisation: bool) -> None:
    """Create a write token for one organisation and print it once."""
    try:
        token, plain = api_tokens.create_token(db.session, organisation_text=organisation, name=name,
                                               create_organisation=new_organisation)
    except api_tokens.TokenError as exc:
        fail(f"Token nicht angelegt, Feld „{exc.field}“: {exc}")
    click.echo(f"Token {token.id} „{token.name}“ für {token.organisation.name} angelegt. "
               "Es wird nur jetzt angezeigt – bitte sicher aufbewahren:", err=True)
    click.echo(plain)


@click.command("list-tokens")
@with_appcontext
def list_tokens() -> None:
    """List API tokens (never the tokens themselves)."""
    for token in api_tokens.list_tokens(db.session):
        state = f"widerrufen {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "aktiv"
        used = f"zuletzt genutzt {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "nie genutzt"
        click.echo(f"{token.id}\t{token.name}\t{token.organisation.name}\t{state}\t{used}")


@click.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1, DB_INT_MAX))
@with_appcontext
def revoke_token(token_id: int) -> None:
    """Revoke an API token for good."""
    try:
        token = api_tokens.revoke_token(db.session, token_id)
    except api_tokens.TokenError as exc:
        fail(str(exc))
    click.echo(f"Token {token.id} „{token.name}“ ({token.organisation.name}) ist widerrufen.")


COMMANDS = (create_token, list_tokens, revoke_token)
