"""Real gunicorn servers on a private instance, and HTTP clients that behave like browsers.

For scenario tests of several worker processes and several app servers::

    instance = ServerInstance.create(template_instance, tmp_path)   # copy of the seeded template
    with instance.gunicorn(workers=4) as server:
        member = WebClient(server.url); member.login(email, password)

Every server of one ``ServerInstance`` shares its database; each gets its own data directory
unless ``data_dir`` is given (a second app server on PostgreSQL shares nothing on disk).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from kb import create_app
from tests import dbprovision

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


@dataclass
class ServerInstance:
    """A copy of the template instance that gunicorn servers and CLI commands can share."""

    data_dir: Path
    database_url: str
    search_backend: str
    secret: str = "scenario-secret"
    apps: list = field(default_factory=list)

    @classmethod
    def create(cls, template_instance: tuple[Path, str], base: Path) -> ServerInstance:
        template_dir, template_url = template_instance
        data_dir = base / "instance"
        shutil.copytree(template_dir, data_dir)
        url = dbprovision.copy_database(template_url, data_dir, base.name)
        return cls(data_dir, url, os.environ.get("KB_SEARCH_BACKEND", "whoosh"))

    def env(self, data_dir: Path | None = None, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "PYTEST", "GUNICORN"))}
        env.update({
            "KB_ENV": "development", "KB_DATA_DIR": str(data_dir or self.data_dir),
            "KB_DATABASE_URL": self.database_url, "KB_SEARCH_BACKEND": self.search_backend,
            "KB_SECRET_KEY": self.secret, "KB_API_RATE_LIMIT": "100000/minute",
            "KB_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000", "PYTHONPATH": str(ROOT),
        })
        env.update(extra)
        return env

    def app(self):
        """An in-process app on the same database (for preparing data and checking results)."""
        settings = dbprovision.settings(self.data_dir, self.database_url)
        settings["KB_SEARCH_BACKEND"] = self.search_backend
        app = create_app(settings)
        self.apps.append(app)
        return app

    def flask(self, *args: str, data_dir: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run ``flask --app wsgi …`` as a separate process on this instance."""
        return subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=self.env(data_dir),
                              capture_output=True, text=True, timeout=timeout)

    @contextlib.contextmanager
    def gunicorn(self, workers: int = 4, data_dir: Path | None = None, threads: int = 1) -> Iterator[Server]:
        """Serve the instance with gunicorn (gunicorn.conf.py) until the block ends."""
        if data_dir is not None and not data_dir.exists():
            shutil.copytree(self.data_dir, data_dir)
        port = free_port()
        log = (data_dir or self.data_dir) / f"gunicorn-{port}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(GUNICORN), "-c", "gunicorn.conf.py", "--workers", str(workers), "--threads", str(threads),
                 "--bind", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
                cwd=ROOT, env=self.env(data_dir), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        server = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_healthy(server)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def close(self) -> None:
        for app in self.apps:
            dbprovision.dispose(app)
        dbprovision.drop_database(self.database_url)


def _wait_healthy(server: Server, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn ended early:\n{server.log.read_text()[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(server.url + "/healthz", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not healthy after {timeout}s:\n{server.log.read_text()[-3000:]}")


class WebClient:
    """A browser-like session: cookies, and the CSRF token read from each form page."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()

    def csrf(self, path: str) -> str:
        page = self.http.get(self.base + path, timeout=60)
        match = _CSRF.search(page.text)
        if match is None:
            raise AssertionError(f"no CSRF token on {path} ({page.status_code})")
        return match.group(1) or match.group(2)

    def post_form(self, form_path: str, data: dict, action: str | None = None) -> requests.Response:
        token = self.csrf(form_path)
        return self.http.post(self.base + (action or form_path), data={**data, "csrf_token": token},
                              allow_redirects=False, timeout=120)

    def login(self, email: str, password: str) -> None:
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code in (302, 303), response.text[:500]

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=kwargs.pop("timeout", 60), **kwargs)
