"""The ``flask --app wsgi …`` commands (INTERFACES §3), one module per area.

May import services, search and models; never a blueprint (kb.views).
"""

from __future__ import annotations

from flask import Flask

from kb.cli import adoptions as adoption_cli
from kb.cli.accounts import create_user
from kb.cli.cases import export_cases, import_cases, init_db, seed


def init_app(app: Flask) -> None:
    """Register every command."""
    for command in (init_db, seed, import_cases, export_cases, create_user):
        app.cli.add_command(command)
    from kb.cli import backup as cli_backup
    from kb.cli import search as cli_ops
    from kb.cli import tokens as cli_tokens

    cli_ops.register(app)
    cli_tokens.register(app)
    cli_backup.register(app)
    adoption_cli.init_app(app)
