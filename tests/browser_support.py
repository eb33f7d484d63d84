"""Browser-test support: a live server on a private instance and Debian's chromium.

Use in a test module::

    from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

    @pytest.mark.browser
    def test_something(live_server, browser):
        page = browser.new_page()
        page.goto(live_server.url + "/")

The live server runs the app in a thread (``werkzeug.serving.make_server``) on a free port,
on its own copy of the migrated, seeded template instance; ``live_server.app`` gives an app
context for preparing data. Tests are skipped with a visible reason if /usr/bin/chromium or
Playwright is missing; browsers are never downloaded.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from kb import create_app
from tests import dbprovision

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_app(template_instance, tmp_path_factory):
    """A session-wide app on a private copy of the template instance, CSRF switched on."""
    template_dir, template_url = template_instance
    base = tmp_path_factory.mktemp("live")
    data_dir = base / "instance"
    shutil.copytree(template_dir, data_dir)
    database_url = dbprovision.copy_database(template_url, Path(data_dir), "live")
    settings = dbprovision.settings(Path(data_dir), database_url)
    settings["WTF_CSRF_ENABLED"] = True
    app = create_app(settings)
    yield app
    dbprovision.dispose(app)
    dbprovision.drop_database(database_url)


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve ``live_app`` on 127.0.0.1 and a free port for the whole session."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", live_app)
    server.shutdown()
    thread.join(timeout=10)


_PLAYWRIGHT: dict = {}  # one Playwright and one chromium per process, shared by every test module


def _shared_browser():
    """Start Playwright and chromium once per process; a second sync_playwright() would fail.

    Each test module that imports the ``browser`` fixture gets its own session-scoped fixture
    instance, so the instances share this one browser and it is closed when the process exits.
    """
    if "browser" not in _PLAYWRIGHT:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        try:
            _PLAYWRIGHT["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                                headless=True)
        except Exception:
            playwright.stop()
            raise
        _PLAYWRIGHT["playwright"] = playwright
        atexit.register(_stop_browser)
    return _PLAYWRIGHT["browser"]


def _stop_browser() -> None:
    with contextlib.suppress(Exception):
        _PLAYWRIGHT.pop("browser").close()
    with contextlib.suppress(Exception):
        _PLAYWRIGHT.pop("playwright").stop()


class GermanBrowser:
    """The shared browser, but new pages and contexts ask for German unless a test sets ``locale``.

    Playwright's chromium sends ``Accept-Language: en-US`` by default, which would switch the
    site to English; German is the site's default and what most tests read.
    """

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("locale", "de-DE")
        return self._browser.new_context(**options)

    def new_page(self, **options):
        options.setdefault("locale", "de-DE")
        return self._browser.new_page(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (skipped with a reason if unavailable)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} fehlt – Browsertests übersprungen (scripts/ensure_system_packages.sh installiert es)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright ist nicht installiert – Browsertests übersprungen")
    try:
        instance = _shared_browser()
    except Exception as exc:  # a broken chromium must show up as a visible skip, not an error
        pytest.skip(f"chromium ließ sich nicht starten: {exc}")
    yield GermanBrowser(instance)
