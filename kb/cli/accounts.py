"""``create-user``: an account without the web form."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kb.cli.console import fail
from kb.extensions import db
from kb.models import Role
from kb.services.accounts import users as accounts


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default="reader", show_default=True)
@click.option("--municipality", "municipality", help="AGS, Kreisschlüssel oder Name der Kommune")
@click.option("--organisation", help="Name einer Organisation außerhalb des Gemeindeverzeichnisses")
@with_appcontext
def create_user(email: str, password: str, role: str, municipality: str | None,
                organisation: str | None) -> None:
    """Create an account without the web form (confirmed and verified)."""
    try:
        user = accounts.create_user(db.session, email=email, password=password, role=Role(role),
                                    municipality=municipality, organisation=organisation,
                                    confirmed=True)
    except accounts.AccountError as exc:
        fail(f"Konto nicht angelegt, Feld „{exc.field}“: {exc}")
    where = f" für {user.organisation.name}" if user.organisation else ""
    click.echo(f"Konto {user.email} ({user.role.value}){where} angelegt.")


COMMANDS = (create_user,)
