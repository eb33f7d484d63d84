"""A local web site for harvester tests: pages set per path, every request recorded.

    with LocalSite() as site:
        site.page("/a/publiccode.yml", text, etag='"v1"')
        site.redirect("/old", "/a/publiccode.yml")
        url = site.url("/a/publiccode.yml")

Runs a ThreadingHTTPServer on 127.0.0.1 in a daemon thread; answers 304 to a matching
``If-None-Match``/``If-Modified-Since`` like a real server, and can hold an answer back
(``delay``) to test timeouts.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    declare_length: bool = True


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class LocalSite:
    """Pages by path; unknown paths answer 404."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[Seen] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                return

            def do_GET(self) -> None:  # noqa: N802
                site.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                page = site.pages.get(self.path) or Page(b"not found", 404)
                if page.delay:
                    time.sleep(page.delay)
                if (page.etag and self.headers.get("If-None-Match") == page.etag) or (
                        page.last_modified and not page.etag
                        and self.headers.get("If-Modified-Since") == page.last_modified):
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(page.status)
                headers = dict(page.headers)
                if page.declare_length:
                    headers["Content-Length"] = str(len(page.body))
                else:
                    headers["Connection"] = "close"
                    self.close_connection = True
                if page.etag:
                    headers["ETag"] = page.etag
                if page.last_modified:
                    headers["Last-Modified"] = page.last_modified
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(page.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self, path: str, body: str | bytes, status: int = 200, **options) -> Page:
        page = Page(body.encode() if isinstance(body, str) else body, status, **options)
        self.pages[path] = page
        return page

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.pages[path] = Page(b"", status, {"Location": location})

    def requests_for(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]
