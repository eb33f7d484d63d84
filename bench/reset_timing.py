"""Time /passwort-vergessen for a known and an unknown address (issue 19, item 7).

In-process on a throwaway SQLite instance (schema only, one account): the time until the answer is
ready, per request, median and 90th percentile. The mail goes out after the response, so the two
figures should be equal within noise; tests/test_security_reset_timing.py checks the same work
structurally. The pause between two mails to the same account is lifted for the measurement.

    .venv/bin/python bench/reset_timing.py --requests 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from kb import create_app  # noqa: E402
from kb.extensions import db  # noqa: E402
from kb.services.accounts import passwords
from kb.services.accounts import users as accounts  # noqa: E402


def measure(client: FlaskClient, email: str, n: int) -> list[float]:
    """Milliseconds until each answer is ready (before the server would close it and send the mail)."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = FlaskClient.open(client, "/passwort-vergessen", method="POST", data={"email": email},
                                    buffered=False)
        times.append((time.perf_counter() - started) * 1000)
        response.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-reset-timing-") as tmp:
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench", "KB_DATA_DIR": tmp,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'kb.sqlite3'}"})
        with app.app_context():
            upgrade()
            accounts.create_user(db.session, email="bekannt@example.org", password="Gruene-Wiese-42", confirmed=True)
        passwords.RESEND_PAUSE = timedelta(0)
        client = app.test_client()
        measure(client, "bekannt@example.org", 10)  # warm-up
        figures = {"bekannt": [], "unbekannt": []}
        for _ in range(args.requests):  # interleaved, so load on the machine hits both alike
            figures["bekannt"] += measure(client, "bekannt@example.org", 1)
            figures["unbekannt"] += measure(client, "niemand@example.org", 1)
        for label, times in figures.items():
            times.sort()
            print(f"{label:10s} Median {statistics.median(times):6.2f} ms   "
                  f"p90 {times[int(len(times) * 0.9)]:6.2f} ms   ({len(times)} Anfragen)")
        gap = statistics.median(figures["bekannt"]) - statistics.median(figures["unbekannt"])
        print(f"Unterschied der Mediane: {gap:+.2f} ms")


if __name__ == "__main__":
    main()
