"""Take the README screenshots of the main pages (docs/screenshots/*.png) with Debian's chromium.

    .venv/bin/python scripts/screenshots.py                     # throwaway seeded instance (default)
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:5000 \\
        --contributor autorin@example.org:PASSWORT --moderator mod@example.org:PASSWORT

Without --url a temporary instance is migrated, seeded and served on a free port; it gets a
contributor, a moderator and two submissions waiting in the moderation queue, and is deleted
afterwards. Against a running server, the submission form and the moderation queue need the
accounts given with --contributor/--moderator (otherwise they are left out). Every page is shot
1280 px wide in German; the start page and the case page also 390 px wide (mobile).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = secrets.token_urlsafe(16)  # demo accounts of the throwaway instance only
CASE = "/cases/hamburg-masterportal-geoportal"
COMPARE = ("/vergleich?cases=hamburg-masterportal-geoportal,brandenburg-maerker-maengelmelder,"
           "rostock-klarschiff-maengelmelder")
#: (file, path, account, selector to wait for, viewport height, element to shoot instead of the viewport)
SHOTS = [
    ("start.png", "/", None, None, 1100, None),
    ("search.png", "/search?q=Portal&topic=Geodaten", None, None, 1250, None),
    ("case.png", CASE, None, None, 1400, None),
    ("case-adopters.png", CASE, None, "#case-map-canvas path.atlas-marker", 900, "section.adopters"),
    ("compare.png", COMPARE, None, None, 1150, None),
    ("municipality.png", "/municipalities/14713000", None, ".atlas-map__canvas path.atlas-marker", 1400, None),
    ("statistics.png", "/statistik", None, 'svg[role="img"]', 1300, None),
    ("submission.png", "/cases/new", "contributor", None, 1300, None),
    ("moderation.png", "/moderation", "moderator", None, 900, None),
]
#: (file, path, viewport height) 390 px wide: the start page, and the case page down to the end of "Auf einen Blick"
MOBILE_SHOTS = [
    ("start-mobile.png", "/", 844),
    ("case-mobile.png", CASE, 2300),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Praxisatlas (default: a throwaway seeded instance)")
    parser.add_argument("--contributor", metavar="EMAIL:PASSWORD", help="account for the submission form")
    parser.add_argument("--moderator", metavar="EMAIL:PASSWORD", help="account for the moderation queue")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="output directory")
    return parser.parse_args(argv)


def account(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    email, sep, password = value.partition(":")
    if not sep or not email or not password:
        sys.exit(f"screenshots: erwartet EMAIL:PASSWORT, nicht {value!r}")
    return email, password


@contextmanager
def throwaway_instance():
    """Serve a migrated, seeded instance with demo accounts on 127.0.0.1; yield (url, accounts)."""
    os.chdir(ROOT)  # Flask-Migrate finds migrations/ relative to the working directory
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from kb import create_app
    from kb.extensions import db
    from kb.models import Role
    from kb.search import maintenance as search
    from kb.search.backend import get_backend
    from kb.services import setup
    from kb.services.accounts import users as accounts
    from kb.services.cases import submissions

    with tempfile.TemporaryDirectory(prefix="praxisatlas-screens-") as tmp:
        app = create_app({"KB_DATA_DIR": tmp, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/kb.sqlite3",
                          "KB_SEARCH_BACKEND": "whoosh", "SECRET_KEY": "screenshots"})
        with app.app_context():
            print("screenshots: Datenbank, Gemeindeverzeichnis, Startdaten und Suchindex …", flush=True)
            upgrade()
            setup.load_reference_data(db.session)
            setup.load_seed(db.session)
            search.rebuild_index(db.session, get_backend())
            author = accounts.create_user(db.session, email="autorin@jena.example", password=PASSWORD,
                                          role=Role.CONTRIBUTOR, municipality="16053000", confirmed=True)
            accounts.create_user(db.session, email="moderation@praxisatlas.example", password=PASSWORD,
                                 role=Role.MODERATOR, confirmed=True)
            for title, topic in (("Digitale Terminvergabe im Bürgeramt", "Bürgerservice"),
                                 ("Sensoren für Bodenfeuchte in städtischen Grünanlagen", "Klima und Umwelt")):
                submissions.submit_data(db.session, {
                    "title": title, "summary": "Eingereicht von der Stadt Jena, wartet auf Prüfung.",
                    "description": "## Lösung\n\nBeschreibung folgt.", "municipality": "16053000",
                    "topics": [topic], "status": "pilot", "reuse": "Ein Konto beim IT-Dienstleister.",
                    "contact": {"name": "Stadt Jena, Fachdienst Digitalisierung",
                                "url": "https://www.jena.de"}}, author=author)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", {
                "contributor": ("autorin@jena.example", PASSWORD),
                "moderator": ("moderation@praxisatlas.example", PASSWORD),
            }
        finally:
            server.shutdown()
            thread.join(timeout=10)
            from kb.search.backend import close_backend

            close_backend(app)
            with app.app_context():
                db.engine.dispose()


def sign_in(page, base: str, credentials: tuple[str, str]) -> None:
    page.goto(base + "/login")
    page.fill("#email", credentials[0])
    page.fill("#password", credentials[1])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    if "/login" in page.url:
        sys.exit(f"screenshots: Anmeldung als {credentials[0]} fehlgeschlagen")


def shoot(base: str, accounts: dict, out: Path) -> list[Path]:
    """Take every screenshot; return the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        pages = {}

        def page_for(role):
            if role not in pages:
                context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
                pages[role] = context.new_page()
                if role:
                    sign_in(pages[role], base, accounts[role])
            return pages[role]

        for name, path, role, ready, height, element in SHOTS:
            if role and not accounts.get(role):
                print(f"screenshots: {name} übersprungen (--{role} EMAIL:PASSWORT fehlt)")
                continue
            page = page_for(role)
            page.set_viewport_size({"width": 1280, "height": height})
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            if ready:
                page.wait_for_selector(ready)
            written.append(out / name)
            if element:
                page.locator(element).screenshot(path=str(written[-1]))
            else:
                page.screenshot(path=str(written[-1]))

        mobile = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844}, is_mobile=True)
        page = mobile.new_page()
        for name, path, height in MOBILE_SHOTS:
            page.set_viewport_size({"width": 390, "height": height})
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            written.append(out / name)
            page.screenshot(path=str(written[-1]))
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not os.path.exists(CHROMIUM):
        sys.exit(f"screenshots: {CHROMIUM} fehlt (scripts/ensure_system_packages.sh installiert es)")
    out = Path(args.out)
    if args.url:
        accounts = {"contributor": account(args.contributor), "moderator": account(args.moderator)}
        written = shoot(args.url.rstrip("/"), accounts, out)
    else:
        with throwaway_instance() as (url, accounts):
            written = shoot(url, accounts, out)
    for path in written:
        print(f"screenshots: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
              f"({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
