"""The ``flask --app wsgi …`` commands (INTERFACES §3), one module per area.

Every module lists its commands in ``COMMANDS``; output helpers (failing with a message,
progress bars) are in ``console``. May import services, search and models; never a blueprint
(kb.views).
"""

from __future__ import annotations

from flask import Flask

from kb.cli import accounts, adoptions, backup, cases, community, harvest, search, tokens


def init_app(app: Flask) -> None:
    """Register every command."""
    for module in (cases, accounts, tokens, search, backup, adoptions, community, harvest):
        for command in module.COMMANDS:
            app.cli.add_command(command)
