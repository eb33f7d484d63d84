"""Load test: mixed traffic against a running Praxisatlas for a fixed time.

Readers search (web page and API), open case pages, municipality pages and the start page;
writers sign in, submit new cases through the web form (with CSRF token, like a browser) and
declare "Wir nutzen das auch"; an API client submits cases with a token. Printed: requests per
second, latency percentiles per kind of request and the number of errors (5xx or no answer).

Against a server you run yourself (accounts needed only for writers)::

    .venv/bin/python bench/load_test.py --url http://127.0.0.1:8000 --duration 60 --readers 16 \\
        --writer autorin@example.org:passwort --api-token kb_…

Or let the script set up a throwaway instance (init-db, seed, accounts) and serve it with gunicorn::

    .venv/bin/python bench/load_test.py --serve --duration 60 --readers 16 --writers 4  # workers: gunicorn.conf.py
    .venv/bin/python bench/load_test.py --serve --database-url postgresql+psycopg://…/leer --search postgres
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUERIES = ["Chatbot", "Bürgerbeteiligung", "Radweg", "Digitalisierng", "KI", "ÖPNV", "Hochwasser Warnung",
           "Projekte in Sachsen", "Datenplattform", "Sehbehinderung", "Parkplätze", "E-Akte", "Baumkataster",
           "Leipzig", "Geodaten Dortmund", "Terminvergabe", "Open Data", "Smart City", "Schule digital", "Wlan"]
TOPICS = ["Bürgerservice", "Mobilität", "Geodaten", "Künstliche Intelligenz", "Klima und Umwelt"]
MUNICIPALITIES = ["14713000", "09162000", "05913000", "08421000", "16053000", "07312000", "06412000", "03241001"]
#: what a member fills in besides title and owner: a submission needs a contact and how to re-use it,
#: else the form comes back with errors (a 4xx) and nothing is written
SUBMISSION = {"action": "submit", "summary": "Eine Lösung aus dem Lasttest.",
              "description": "Beschreibung mit **Markdown**.", "owner_kind": "municipality", "status": "in_betrieb",
              "contact_name": "Bürgeramt", "contact_url": "https://example.org/kontakt",
              "reuse": "Ein Konto beim Betreiber genügt."}
TARGET_RPS, TARGET_P95_MS = 300, 150  # a national rollout on 2 cores, 21 clients (issue 18)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass
class Stats:
    """Latencies and outcomes per kind of request (thread-safe)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    client_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    cpu: dict | None = None  # CPU seconds of server and load generator, load average (set by run_load)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, started: float, response, problem: str = "") -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[kind].append(elapsed)
            if response is None or response.status_code >= 500:
                self.errors[kind] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{kind}: {response.status_code if response is not None else problem}")
            elif response.status_code >= 400 and response.status_code not in (409,):
                self.client_errors[kind] += 1


@dataclass
class Answer:
    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """A visitor's browser, lean: one keep-alive connection (when the server keeps it open), its cookies.

    Written on ``http.client`` because ``requests`` costs the load generator about 1.5 ms of CPU per
    request — on a 2-core machine that CPU would be taken from the server under test. Readers, the
    signed-in members and the API client all use it; redirects are not followed (a form's 303 is
    its answer).
    """

    def __init__(self, base: str, stats: Stats) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def call(self, kind: str, method: str, path: str, params: dict | None = None, data: dict | None = None,
             json_body: dict | None = None, headers: dict | None = None) -> Answer | None:
        """Send one request and record its latency and outcome under ``kind``; ``data`` is sent as a form,
        ``json_body`` as JSON."""
        started = time.perf_counter()
        target = path + ("?" + urlencode(params, doseq=True) if params else "")
        sent = {"Accept-Language": "de-DE,de;q=0.9", **(headers or {})}
        body = None
        if data is not None:
            body, sent["Content-Type"] = urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
        elif json_body is not None:
            body, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: retry once
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, target, body=body, headers=sent)
                response = self.connection.getresponse()
                answer = Answer(response.status, response.read())
            except (OSError, http.client.HTTPException) as exc:
                self.connection.close()
                self.connection = None
                if reused and attempt == 1:
                    continue
                self.stats.record(kind, started, None, type(exc).__name__)
                return None
            break
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        if response.will_close:
            self.connection.close()
            self.connection = None
        self.stats.record(kind, started, answer)
        return answer

    def csrf(self, kind: str, path: str) -> str | None:
        """GET a form (counted under ``kind``) and return its form token."""
        page = self.call(kind, "GET", path)
        match = _CSRF.search(page.text) if page is not None else None
        return (match.group(1) or match.group(2)) if match else None

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            name, _, rest = header.partition("=")
            value, _, attributes = rest.partition(";")
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()


def reader(base: str, stats: Stats, slugs: list[str], deadline: float, rng: random.Random) -> None:
    client = Browser(base, stats)
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.30:
            params = {"q": rng.choice(QUERIES)}
            if rng.random() < 0.3:
                params["topic"] = rng.choice(TOPICS)
            client.call("Suche (Seite)", "GET", "/search", params=params)
        elif roll < 0.50:
            client.call("Suche (API)", "GET", "/api/v1/search", params={"q": rng.choice(QUERIES), "per_page": 10})
        elif roll < 0.80:
            client.call("Fallseite", "GET", f"/cases/{rng.choice(slugs)}")
        elif roll < 0.90:
            client.call("Kommune", "GET", f"/municipalities/{rng.choice(MUNICIPALITIES)}")
        else:
            client.call("Startseite", "GET", "/")


def writer(base: str, stats: Stats, account: tuple[str, str], slugs: list[str], deadline: float,
           rng: random.Random, pause: float = 0.0) -> None:
    """Sign in, then submit a case and declare "Wir nutzen das auch" over and over – ``pause`` seconds
    between the two actions (0: at once, the worst case ``make load-test`` measures)."""
    client = Browser(base, stats)
    token = client.csrf("Anmelden", "/login")
    client.call("Anmelden", "POST", "/login", data={"email": account[0], "password": account[1], "csrf_token": token})
    n = 0
    while time.monotonic() < deadline:
        n += 1
        token = client.csrf("Einreichen", "/cases/new")
        client.call("Einreichen", "POST", "/cases/new", data={
            **SUBMISSION, "csrf_token": token, "title": f"Lasttest {account[0].split('@')[0]} {n}",
            "municipality": rng.choice(MUNICIPALITIES), "topics": rng.choice(TOPICS)})
        _think(pause, deadline)
        slug = rng.choice(slugs)
        token = client.csrf("Nachnutzen", f"/cases/{slug}/adopt")
        client.call("Nachnutzen", "POST", f"/cases/{slug}/adopt",
                    data={"csrf_token": token, "status": rng.choice(["pilot", "in_betrieb"]), "note": f"Lauf {n}"})
        _think(pause, deadline)


def _think(pause: float, deadline: float) -> None:
    """Wait like a person between two actions, but not past the end of the run."""
    if pause > 0:
        time.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def api_writer(base: str, stats: Stats, token: str, deadline: float) -> None:
    client = Browser(base, stats)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        record = {"slug": f"lasttest-api-{os.getpid()}-{n}", "title": f"API-Lasttest {n}", "summary": "Über die API.",
                  "description": "Eingereicht vom Lasttest.", "topics": ["Datenplattform"], "status": "pilot"}
        client.call("API-Einreichung", "POST", "/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                    json_body=record)
        time.sleep(0.2)


def published_slugs(base: str) -> list[str]:
    body = requests.get(base + "/api/v1/cases", params={"per_page": 100}, timeout=60).json()
    return [case["slug"] for case in body["results"]]


def report(stats: Stats, seconds: float) -> str:
    lines = [f"{'Anfrage':<18} {'Anzahl':>7} {'Fehler':>6} {'4xx':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
             f"{'max ms':>8}"]
    total = errors = 0
    for kind in sorted(stats.latencies):
        values = sorted(stats.latencies[kind])
        total += len(values)
        errors += stats.errors[kind]
        lines.append(f"{kind:<18} {len(values):>7} {stats.errors[kind]:>6} {stats.client_errors[kind]:>5} "
                     f"{_pct(values, 50):>8.1f} {_pct(values, 95):>8.1f} {_pct(values, 99):>8.1f} {values[-1]:>8.1f}")
    everything = sorted(v for vs in stats.latencies.values() for v in vs)
    lines.append(f"{'gesamt':<18} {total:>7} {errors:>6} {sum(stats.client_errors.values()):>5} "
                 f"{_pct(everything, 50):>8.1f} {_pct(everything, 95):>8.1f} {_pct(everything, 99):>8.1f} "
                 f"{(everything or [0])[-1]:>8.1f}")
    lines.append(f"Durchsatz: {total / seconds:.1f} Anfragen/s über {seconds:.0f} s; Fehler (5xx oder keine Antwort): "
                 f"{errors}; Median {statistics.median(everything) if everything else 0:.1f} ms")
    met = total / seconds >= TARGET_RPS and _pct(everything, 95) <= TARGET_P95_MS and errors == 0
    lines.append(f"Ziel (≥ {TARGET_RPS} Anfragen/s, p95 ≤ {TARGET_P95_MS} ms, 0 Fehler): "
                 f"{'erreicht' if met else 'verfehlt'}")
    cpu = stats.cpu
    if cpu and total:
        server = f"Server {cpu['server_s'] * 1000 / total:.1f} ms, " if cpu["server_s"] is not None else ""
        lines.append(f"CPU je Anfrage: {server}Lastgenerator {cpu['client_s'] * 1000 / total:.1f} ms; "
                     f"Maschine {100 * cpu['machine_busy_s'] / cpu['machine_s']:.0f} % ausgelastet, davon andere "
                     f"Prozesse {_others(cpu):.0f} %; Load {cpu['load'][0]:.1f} → {cpu['load'][1]:.1f} "
                     f"({os.cpu_count()} Kerne)")
    return "\n".join(lines + [f"  z. B. {e}" for e in stats.examples])


def _others(cpu: dict) -> float:
    """Share of the machine's CPU used by processes other than this test and its server, in percent."""
    ours = cpu["client_s"] + (cpu["server_s"] or 0.0)
    return max(0.0, 100 * (cpu["machine_busy_s"] - ours) / cpu["machine_s"])


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ----------------------------------------------------------- throwaway server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(args) -> Iterator[tuple[str, list[tuple[str, str]], str]]:
    """Set up a fresh instance, accounts and a token, and serve it with gunicorn."""
    data_dir = Path(tempfile.mkdtemp(prefix="kb-load-"))
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "KB_ENV": "development", "KB_SECRET_KEY": "lasttest",
           "KB_SEARCH_BACKEND": args.search, "KB_API_RATE_LIMIT": "1000000/minute",
           "KB_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000"}
    if args.database_url:
        env["KB_DATABASE_URL"] = args.database_url
    flask = [str(BIN / "flask"), "--app", "wsgi"]

    def run(*cmd: str) -> str:
        return subprocess.run([*flask, *cmd], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout

    print("Instanz wird angelegt (init-db, seed, reindex) …", file=sys.stderr)
    run("init-db")
    run("seed")
    run("reindex")
    accounts = [(f"last{i}@example.org", "lasttest-passwort-1") for i in range(args.writers)]
    for (email, password), key in zip(accounts, MUNICIPALITIES * 10, strict=False):
        run("create-user", "--email", email, "--password", password, "--role", "contributor", "--municipality", key)
    token = run("create-token", "--organisation", "08421000", "--name", "Lasttest").strip().split()[-1]
    port = _free_port()
    worker = ["--worker-class", args.worker_class] + (["--threads", str(args.threads)] if args.threads else [])
    count = ["--workers", str(args.workers)] if args.workers else []  # else gunicorn.conf.py's: one per core
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", *count,
                                *worker, "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    args.server_pid = process.pid
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            time.sleep(0.2)
        yield base, accounts, token
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def _process_cpu(pid: int) -> float:
    """CPU seconds of a process, its living children and the children it has reaped (gunicorn: the
    master, its workers, and the workers it replaced after ``max_requests``)."""
    total = 0.0
    pids = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            own = int(fields[11]) + int(fields[12])  # utime, stime
            reaped = int(fields[13]) + int(fields[14]) if p == pid else 0  # cutime, cstime
            total += (own + reaped) / tick
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def run_load(base: str, accounts: list[tuple[str, str]], token: str | None, args) -> Stats:
    slugs = published_slugs(base)
    stats = Stats()
    server_pid = getattr(args, "server_pid", None)
    started = {"load": os.getloadavg()[0], "client": time.process_time(), "machine": _machine_busy(),
               "server": _process_cpu(server_pid) if server_pid else None}
    deadline = time.monotonic() + args.duration
    rng = random.Random(args.seed)
    threads = [threading.Thread(target=reader, args=(base, stats, slugs, deadline, random.Random(rng.random())))
               for _ in range(args.readers)]
    pause = getattr(args, "writer_pause", 0.0)
    threads += [threading.Thread(target=writer, args=(base, stats, acc, slugs, deadline, random.Random(rng.random()),
                                                      pause)) for acc in accounts]
    if token:
        threads.append(threading.Thread(target=api_writer, args=(base, stats, token, deadline)))
    print(f"{args.readers} Leser, {len(accounts)} Schreiber{f' (je {pause:g} s Pause)' if pause else ''}"
          f"{', 1 API-Client' if token else ''} für "
          f"{args.duration} s gegen {base} …", file=sys.stderr)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy, total = (now - before for now, before in zip(_machine_busy(), started["machine"], strict=True))
    stats.cpu = {"load": (started["load"], os.getloadavg()[0]), "client_s": time.process_time() - started["client"],
                 "machine_busy_s": busy, "machine_s": total,
                 "server_s": _process_cpu(server_pid) - started["server"] if server_pid else None}
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Lasttest mit gemischtem Verkehr")
    ap.add_argument("--url", help="laufender Server, z. B. http://127.0.0.1:8000")
    ap.add_argument("--serve", action="store_true", help="Wegwerf-Instanz anlegen und mit gunicorn bedienen")
    ap.add_argument("--workers", type=int, default=None,
                    help="gunicorn-Worker bei --serve (Standard: wie gunicorn.conf.py, einer je Kern)")
    ap.add_argument("--worker-class", default="sync", help="gunicorn-Worker-Klasse bei --serve (sync, gthread)")
    ap.add_argument("--threads", type=int, default=0, help="Threads je Worker bei --serve (gthread)")
    ap.add_argument("--database-url", help="bei --serve: leere Datenbank (Standard: SQLite im Wegwerf-Verzeichnis)")
    ap.add_argument("--search", default="whoosh", choices=["whoosh", "postgres"], help="Suchbackend bei --serve")
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--readers", type=int, default=16)
    ap.add_argument("--writers", type=int, default=4, help="bei --serve: so viele Konten anlegen")
    ap.add_argument("--writer", action="append", default=[], metavar="EMAIL:PASSWORT")
    ap.add_argument("--writer-pause", type=float, default=0.0, metavar="SEKUNDEN",
                    help="Pause der Schreibenden zwischen Einreichen und Nachnutzen (Standard 0: ohne Pause, "
                         "der ungünstigste Fall, den make load-test misst)")
    ap.add_argument("--api-token")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if bool(args.url) == bool(args.serve):
        ap.error("entweder --url oder --serve angeben")
    if args.serve:
        with serve(args) as (base, accounts, token):
            stats = run_load(base, accounts, token, args)
    else:
        accounts = [tuple(w.split(":", 1)) for w in args.writer]
        stats = run_load(args.url.rstrip("/"), accounts, args.api_token, args)
    print(report(stats, args.duration))
    return 1 if sum(stats.errors.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
