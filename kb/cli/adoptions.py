"""``flask --app wsgi remind-adopters``: ask adopters to re-confirm after 12 months."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from kb.cli.console import progress_bar
from kb.extensions import db
from kb.services.adoptions import reminders as adoption_reminders


@click.command("remind-adopters")
@click.option("--dry-run", is_flag=True, help="Nur zählen, keine Mails senden.")
@with_appcontext
def remind_adopters(dry_run: bool) -> None:
    """Mail the declaring accounts of adoptions not confirmed for 12 months (not again within 30 days)."""
    if dry_run:
        due = adoption_reminders.due_adoptions(db.session)
        accounts = len({a.declared_by_id for a in due})
        click.echo(f"Probelauf: {len(due)} Nachnutzungen fällig, {accounts} Konten würden erinnert.")
        return
    due = len(adoption_reminders.due_adoptions(db.session))
    with progress_bar(due, "Erinnerungen") as bar:
        report = adoption_reminders.send_reminders(db.session, progress=bar.update)
    click.echo(f"Erinnerungen: {report.mails} Mails zu {report.adoptions} Nachnutzungen gesendet, "
               f"{report.failed} fehlgeschlagen; {report.due} waren fällig.")
    if report.failed:
        sys.exit(1)


COMMANDS = (remind_adopters,)
