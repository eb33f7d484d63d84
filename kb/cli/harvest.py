"""``flask --app wsgi harvest SOURCES…``: read publiccode.yml files from URLs, repositories or list files.

Exit codes (for cron): 0 every source was read (new, updated, unchanged …); 1 at least one source
failed or is invalid (the others were harvested); 2 the arguments name no usable source. With
``--quiet`` nothing is printed unless something failed.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from kb.cli.console import fail, progress_bar
from kb.extensions import db
from kb.models import HarvestOutcome
from kb.models.labels import HARVEST_OUTCOME, label
from kb.services.interchange.harvest import run, sources
from kb.services.interchange.harvest.fetch import Fetcher, FetchPolicy
from kb.services.interchange.harvest.forges import SourceError

COLUMNS = (("Quelle", 52), ("Ergebnis", 24), ("Fall", 40))


def fetch_policy(allow_private: bool) -> FetchPolicy:
    """The limits of the harvester's requests, from the app's configuration (``KB_HARVEST_*``, config.py)."""
    config = current_app.config
    return FetchPolicy(
        allow_private=allow_private,
        max_bytes=int(config["KB_HARVEST_MAX_BYTES"]),
        timeout=float(config["KB_HARVEST_TIMEOUT"]),
        deadline=float(config["KB_HARVEST_DEADLINE"]),
        max_redirects=int(config["KB_HARVEST_MAX_REDIRECTS"]),
        user_agent=config.get("KB_HARVEST_USER_AGENT") or f"Praxisatlas-Harvester/1.0 (+{config['KB_BASE_URL']})",
    )


@click.command("harvest")
@click.argument("arguments", metavar="QUELLEN…", nargs=-1, required=True)
@click.option("--allow-private", is_flag=True,
              help="Auch Adressen im eigenen Netz (Loopback, private Bereiche) abrufen – nur für Tests.")
@click.option("--dry-run", is_flag=True, help="Nur abrufen und prüfen, nichts schreiben.")
@click.option("--quiet", is_flag=True, help="Nichts ausgeben, außer etwas schlägt fehl (für cron).")
@with_appcontext
def harvest(arguments: tuple[str, ...], allow_private: bool, dry_run: bool, quiet: bool) -> None:
    """Harvest publiccode.yml files: URLs of the file, Git repositories, or files listing them (one per line)."""
    try:
        found = sources.expand(arguments)
    except SourceError as exc:
        fail(f"Ernte abgebrochen, nichts wurde abgerufen: {exc}", exit_code=2)
    fetcher = Fetcher(fetch_policy(allow_private))
    if quiet:
        report = run.harvest(db.session, found, fetcher=fetcher, dry_run=dry_run)
    else:
        with progress_bar(len(found), "Ernte") as bar:
            report = run.harvest(db.session, found, fetcher=fetcher, dry_run=dry_run, progress=bar.update)
        _table(report)
    _problems(report, quiet)
    if not quiet or report.problems:
        click.echo(summary(report), err=quiet)
    sys.exit(1 if report.problems else 0)


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(report: run.HarvestReport) -> None:
    click.echo("  ".join(name.ljust(width) for name, width in COLUMNS).rstrip())
    for result in report.results:
        outcome = label(HARVEST_OUTCOME, result.outcome)
        if result.outcome is HarvestOutcome.FAILED and result.failures:
            outcome += f" ({result.failures}×)"
        cells = (result.url, outcome, result.slug or "–")
        click.echo("  ".join(_cell(c, w).ljust(w) for c, (_n, w) in zip(cells, COLUMNS, strict=True)).rstrip())


def _problems(report: run.HarvestReport, quiet: bool) -> None:
    for result in report.results:
        if not quiet:
            for warning in result.warnings[:20]:
                where = "" if warning.startswith(result.url) else f" ({result.url})"
                click.secho(f"Hinweis{where}: {warning}", fg="yellow", err=True)
        if result.error:
            click.secho(f"Fehler ({result.origin}): {result.error}", fg="red", err=True)
        if result.unreachable:
            click.secho(f"Quelle nicht mehr erreichbar ({result.failures} Fehlversuche in Folge): {result.url}",
                        fg="red", err=True)


def summary(report: run.HarvestReport) -> str:
    """One line: how many sources and what happened to them."""
    parts = [f"{report.count(outcome)} {label(HARVEST_OUTCOME, outcome)}" for outcome in HarvestOutcome]
    prefix = "Probelauf, nichts geschrieben: " if report.dry_run else ""
    sources = "1 Quelle" if len(report.results) == 1 else f"{len(report.results)} Quellen"
    return f"{prefix}{sources} – {', '.join(parts)} – {report.seconds:.1f} s."


COMMANDS = (harvest,)
