"""In-process rate limiting per client address ("300/minute", config KB_API_RATE_LIMIT).

Each worker process counts on its own (fixed one-window counters), so with N workers a client
may make up to N times the limit; behind a reverse proxy, configure it to pass the client
address (e.g. werkzeug's ProxyFix) so that ``request.remote_addr`` is the client, not the proxy.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass

from flask import current_app, request

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests per ``seconds``."""

    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """Parse "300/minute", "10/second", "1000 per hour", "50/5minutes"."""
    match = RATE_RE.match(text or "")
    if not match:
        raise ValueError(f"KB_API_RATE_LIMIT={text!r}: erwartet z. B. „300/minute“")
    count, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    return Rate(count, multiple * UNITS[unit])


@dataclass
class Verdict:
    """The outcome of one request against the limit."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int


class FixedWindowLimiter:
    """Count requests per key in fixed windows; thread-safe."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // self.rate.seconds)
        with self._lock:
            if len(self._windows) > 10_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get(key, (window, 0))
            count = count + 1 if start == window else 1
            self._windows[key] = (window, count)
        retry = max(1, math.ceil((window + 1) * self.rate.seconds - now))
        return Verdict(count <= self.rate.count, self.rate.count, max(0, self.rate.count - count), retry)


def _limiter() -> FixedWindowLimiter:
    setting = current_app.config.get("KB_API_RATE_LIMIT") or "300/minute"
    current = current_app.extensions.get("kb_rate_limiter")
    if current is None or current[0] != setting:
        current = (setting, FixedWindowLimiter(parse_rate(setting)))
        current_app.extensions["kb_rate_limiter"] = current
    return current[1]


def check_request() -> Verdict:
    """Count this request for its client address and return the verdict."""
    return _limiter().hit(request.remote_addr or "-")
