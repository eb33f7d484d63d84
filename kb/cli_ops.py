"""Operations commands: search index upkeep (and, later, backup/restore)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import ModerationState, UseCase
from kb.search_sync import get_backend


def register(app: Flask) -> None:
    for command in (reindex, check_index):
        app.cli.add_command(command)


def _published_count() -> int:
    return db.session.scalar(
        select(func.count(UseCase.id)).where(UseCase.moderation == ModerationState.PUBLISHED)
    ) or 0


@click.command("reindex")
@click.option("--if-needed", is_flag=True, help="Nur neu aufbauen, wenn Index und Datenbank abweichen.")
@with_appcontext
def reindex(if_needed: bool) -> None:
    """Rebuild the search index from the database."""
    from kb.services import search

    backend = get_backend()
    if if_needed and search.check_index(db.session, backend).clean:
        click.echo("Suchindex ist aktuell – nichts zu tun.")
        return
    with click.progressbar(length=_published_count(), label="Suchindex", file=sys.stderr,
                           show_pos=True) as bar:
        count, seconds = search.rebuild_index(db.session, backend, progress=bar.update)
    click.echo(f"Suchindex neu aufgebaut: {count} Fälle – {seconds:.1f} s.")


@click.command("check-index")
@click.option("--repair", is_flag=True, help="Abweichungen sofort beheben.")
@with_appcontext
def check_index(repair: bool) -> None:
    """Compare index and database; exit 1 and list the drift if they differ."""
    from kb.services import search

    backend = get_backend()
    drift = search.check_index(db.session, backend)
    if drift.clean:
        click.echo(f"Suchindex und Datenbank stimmen überein ({_published_count()} Fälle).")
        return
    slugs = dict(db.session.execute(select(UseCase.id, UseCase.slug)).all())
    for label, ids in (("fehlt im Index", drift.missing), ("veraltet", drift.stale),
                       ("nicht (mehr) veröffentlicht", drift.orphaned)):
        for case_id in sorted(ids):
            click.echo(f"{label}: {slugs.get(case_id, '?')} (id {case_id})")
    summary = (f"Abweichungen: {len(drift.missing)} fehlen, {len(drift.stale)} veraltet, "
               f"{len(drift.orphaned)} überzählig.")
    if repair:
        fixed = search.repair_index(db.session, backend, drift)
        after = search.check_index(db.session, backend)
        click.echo(f"{summary} {fixed} repariert; Index {'jetzt sauber' if after.clean else 'weiter fehlerhaft'}.")
        sys.exit(0 if after.clean else 1)
    click.echo(summary + " `check-index --repair` oder `reindex` behebt das.", err=True)
    sys.exit(1)
