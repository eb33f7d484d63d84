"""Praxisatlas: proven municipal solutions, findable, trustworthy and easy to copy.

``create_app`` only wires: settings (config.py, the one place that reads the environment),
extensions, HTTP plumbing (kb.web), the index sync (kb.search), the blueprints (kb.views), error
pages and commands (kb.cli). Beside the packages live the extension objects (extensions), the
database tuning (database) and the instance directory (instance). The layers and what each may
import: kb/services/__init__.py and README "Aufbau".
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from config import BASE_DIR, build_config, check_base_url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and wire the application."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_relative_config=False,
    )
    app.config.from_mapping(build_config())
    if test_config:
        app.config.from_mapping(test_config)
    if app.config.get("KB_BASE_URL"):
        app.config["KB_BASE_URL"] = check_base_url(app.config["KB_BASE_URL"])
    prepare_instance(app)
    register_extensions(app)
    register_subsystems(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def prepare_instance(app: Flask) -> None:
    """Create the data directory and make sure a secret key is set."""
    from kb.instance import ensure_data_dir, ensure_secret_key

    ensure_data_dir(app)
    ensure_secret_key(app)


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to the app."""
    from kb import database
    from kb.extensions import csrf, db, login_manager, migrate
    from kb.web import i18n

    database.configure_engine(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(BASE_DIR) / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)


def register_subsystems(app: Flask) -> None:
    """Set up database tuning, search sync, templates, security headers and logging."""
    from kb import database
    from kb.search import sync as search_sync
    from kb.services import generation
    from kb.services.cases import journal as change_journal
    from kb.services.community import updates
    from kb.views.auth import login_setup
    from kb.web import (
        after_response,
        caching,
        flashes,
        form_widgets,
        hosts,
        proxy,
        query_params,
        request_guard,
        security,
        templating,
    )
    from kb.web import request_log as logging_setup

    hosts.init_app(app)
    proxy.init_app(app)
    query_params.init_app(app)
    request_guard.init_app(app)
    database.init_app(app)
    logging_setup.init_app(app)
    search_sync.init_app(app)
    change_journal.init_app(app)
    templating.init_app(app)
    form_widgets.init_app(app)
    flashes.init_app(app)
    security.init_app(app)
    login_setup.init_app(app)
    after_response.init_app(app)
    generation.install()
    caching.init_app(app)
    updates.install()


def register_blueprints(app: Flask) -> None:
    """Mount every area of the site."""
    from kb.views.admin import bp as admin_bp
    from kb.views.adoption import bp as adoption_bp
    from kb.views.api import bp as api_bp
    from kb.views.auth import bp as auth_bp
    from kb.views.catalog import bp as catalog_bp
    from kb.views.community import bp as community_bp
    from kb.views.moderation import bp as moderation_bp
    from kb.views.opendata import bp as opendata_bp
    from kb.views.ops import bp as ops_bp
    from kb.views.shortlist import bp as shortlist_bp
    from kb.views.submission import bp as submission_bp

    for blueprint in (catalog_bp, auth_bp, submission_bp, moderation_bp, adoption_bp, admin_bp,
                      opendata_bp, api_bp, ops_bp, community_bp, shortlist_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors with pages in the site's layout, or JSON under /api."""
    from kb.web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` CLI commands."""
    from kb import cli

    cli.init_app(app)
