"""Operations commands: search index upkeep (and, later, backup/restore)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from kb.cli.console import progress_bar
from kb.extensions import db
from kb.models import ModerationState, UseCase
from kb.search.backend import get_backend
from kb.search.sync import drain, sync_lock
from kb.services import generation


def _published_count() -> int:
    return db.session.scalar(
        select(func.count(UseCase.id)).where(UseCase.moderation == ModerationState.PUBLISHED)
    ) or 0


def _locked():
    """Hold the index sync lock, waiting as long as KB_SEARCH_SYNC_WAIT allows."""
    app = current_app._get_current_object()
    return sync_lock(app, float(app.config["KB_SEARCH_SYNC_WAIT"]))


def _busy() -> None:
    click.secho("Der Suchindex wird gerade von einem anderen Prozess geschrieben – bitte später erneut "
                "versuchen.", fg="red", err=True)
    sys.exit(2)


@click.command("reindex")
@click.option("--if-needed", is_flag=True, help="Nur neu aufbauen, wenn Index und Datenbank abweichen.")
@with_appcontext
def reindex(if_needed: bool) -> None:
    """Rebuild the search index from the database."""
    from kb.search import maintenance as search

    backend = get_backend()
    with _locked() as held:
        if not held:
            _busy()
        drift = search.check_index(db.session, backend)
        if if_needed and drift.clean and not drift.queued:
            click.echo("Suchindex ist aktuell – nichts zu tun.")
            return
        with progress_bar(_published_count(), "Suchindex") as bar:
            count, seconds = search.rebuild_index(db.session, backend, progress=bar.update)
    generation.index_rewritten(db.session)
    drain(current_app._get_current_object())
    click.echo(f"Suchindex neu aufgebaut: {count} Fälle – {seconds:.1f} s.")


def _report(drift, slugs: dict[int, str]) -> None:
    for label, ids in (("fehlt im Index", drift.missing), ("veraltet", drift.stale),
                       ("nicht (mehr) veröffentlicht", drift.orphaned)):
        for case_id in sorted(ids):
            note = " – Änderung ist vorgemerkt" if case_id in drift.queued else ""
            click.echo(f"{label}: {slugs.get(case_id, '(gelöscht)')} (id {case_id}){note}")


@click.command("check-index")
@click.option("--repair", is_flag=True, help="Abweichungen sofort beheben.")
@with_appcontext
def check_index(repair: bool) -> None:
    """Compare index and database; exit 1 and list the drift if they differ."""
    from kb.search import maintenance as search

    backend = get_backend()
    drift = search.check_index(db.session, backend)
    queued = f" {len(drift.queued)} vorgemerkte Änderungen warten auf den Index." if drift.queued else ""
    if drift.clean and not (repair and drift.queued):
        click.echo(f"Suchindex und Datenbank stimmen überein ({_published_count()} Fälle).{queued}")
        return
    slugs = dict(db.session.execute(select(UseCase.id, UseCase.slug)).all())
    _report(drift, slugs)
    summary = (f"Abweichungen: {len(drift.missing)} fehlen, {len(drift.stale)} veraltet, "
               f"{len(drift.orphaned)} überzählig.{queued}")
    if not repair:
        click.echo(summary + " `check-index --repair` oder `reindex` behebt das.", err=True)
        sys.exit(1)
    with _locked() as held:
        if not held:
            _busy()
        drift = search.check_index(db.session, backend)  # again: others may have written meanwhile
        fixed = search.repair_index(db.session, backend, drift)
        after = search.check_index(db.session, backend)
    generation.index_rewritten(db.session)
    click.echo(f"{summary} {fixed} Fälle neu geschrieben; Index "
               f"{'jetzt sauber' if after.clean else 'weiter fehlerhaft'}.")
    sys.exit(0 if after.clean else 1)


COMMANDS = (reindex, check_index)
