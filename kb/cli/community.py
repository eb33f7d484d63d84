"""``flask --app wsgi send-digests``: the daily mail of updates to everyone who follows something."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kb.cli.console import fail, progress_bar
from kb.extensions import db
from kb.services.community import digests, matches


@click.command("send-digests")
@with_appcontext
def send_digests() -> None:
    """Mail each member the updates of what they follow (at most once a day; run it daily from cron).

    Before that, cases published by imports or the harvester that match an open need are mailed
    to the need's followers (cases published through the moderation were mailed at once).
    """
    matched = matches.sweep(db.session)
    members = digests.members_with_follows(db.session)
    with progress_bar(len(members), "Sammel-Mails") as bar:
        report = digests.send_all(db.session, progress=bar.update)
    click.echo(f"Sammel-Mails: {report.mails} gesendet mit {report.updates} Neuigkeiten an {report.members} "
               f"Mitglieder mit Abos ({report.too_soon} hatten heute schon eine); {matched} neue Treffer für "
               f"Bedarfe; {len(report.failed)} fehlgeschlagen.")
    if report.failed:
        fail(f"Nicht zugestellt an {len(report.failed)} Mitglieder.")


COMMANDS = (send_digests,)
