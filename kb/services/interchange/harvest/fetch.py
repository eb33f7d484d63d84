"""Fetch one URL for the harvester: http(s) only, public addresses only, bounded in size, time and hops.

Standard library only (``http.client``), no Flask. Every hop of a request — the first URL and
each redirect target — is checked before a byte is sent: the scheme must be http or https, the
URL must not carry credentials, and *every* address the host name resolves to must be a public
one (no loopback, private, link-local, shared, reserved or multicast ranges) unless the policy
allows private targets. The connection then goes to exactly the checked addresses (the name is
not resolved a second time), and TLS still verifies the certificate against the host name.

A response is read in chunks and refused as soon as it grows past ``max_bytes`` (a declared
``Content-Length`` over the limit is refused before reading). Each socket operation has a
timeout and the whole request, redirects included, a deadline, so a server that trickles bytes
cannot hold the harvester. ``If-None-Match``/``If-Modified-Since`` make conditional requests;
a 304 answer is reported as not modified.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from flask_babel import gettext as _

REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024
NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = tuple[int, str]  # (address family, textual IP)
Resolver = Callable[[str, int], Sequence[Address]]
Connector = Callable[[Address, int, float], socket.socket]


@dataclass(frozen=True)
class FetchPolicy:
    """The limits of every request the harvester sends."""

    allow_private: bool = False
    max_bytes: int = 1_000_000
    timeout: float = 10.0  # per connect and per read
    deadline: float = 30.0  # the whole request, redirects included
    max_redirects: int = 5
    user_agent: str = "Praxisatlas-Harvester/1.0"


@dataclass(frozen=True)
class Validators:
    """What the last answer said about its version, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchResult:
    """A successful answer: 200 with a body, or 304 (not modified)."""

    url: str
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    redirects: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)


class FetchError(Exception):
    """The URL could not be fetched; ``reason`` is a stable code, ``str()`` a message for people.

    Reasons: ``scheme``, ``credentials``, ``blocked``, ``dns``, ``connect``, ``tls``, ``timeout``,
    ``too_large``, ``redirects``, ``http`` (with ``status``) and ``protocol``.
    """

    def __init__(self, reason: str, url: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.url = url
        self.status = status

    @property
    def gone(self) -> bool:
        """True when the server says the resource is not there (404, 410)."""
        return self.reason == "http" and self.status in (404, 410)


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return whether an address is globally routable (not loopback, private, link-local, …)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in NAT64:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return ip.is_global and not ip.is_multicast


def system_resolver(host: str, port: int) -> list[Address]:
    """Every address the host name resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys((family, sockaddr[0]) for family, _t, _p, _c, sockaddr in infos))


def direct_connector(address: Address, port: int, timeout: float) -> socket.socket:
    """Open a TCP connection to exactly this address."""
    family, ip = address
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((ip, port))
    except BaseException:
        sock.close()
        raise
    return sock


class Fetcher:
    """Send GET requests under one policy; ``resolver``/``connector`` can be replaced in tests."""

    def __init__(self, policy: FetchPolicy | None = None, *, resolver: Resolver = system_resolver,
                 connector: Connector = direct_connector, tls: ssl.SSLContext | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.resolver = resolver
        self.connector = connector
        self.tls = tls or ssl.create_default_context()
        self.requests_sent = 0

    def get(self, url: str, validators: Validators | None = None, *, accept: str = "*/*",
            prefix_only: bool = False, extra_headers: dict[str, str] | None = None) -> FetchResult:
        """Fetch ``url`` following redirects; raise FetchError for anything but 200 or 304.

        ``prefix_only`` reads at most ``max_bytes`` and keeps them (``truncated``) instead of refusing
        a longer answer — for answers of which only the beginning matters.
        """
        deadline = time.monotonic() + self.policy.deadline
        redirects: list[str] = []
        current = url
        while True:
            result = self._one(current, validators, accept, prefix_only, extra_headers or {}, deadline)
            if isinstance(result, FetchResult):
                result.redirects = redirects
                return result
            if len(redirects) >= self.policy.max_redirects:
                raise FetchError("redirects", url, _(
                    "Zu viele Weiterleitungen (mehr als %(n)d) ab %(url)s.", n=self.policy.max_redirects, url=url))
            redirects.append(current)
            current = result

    # -- one hop ----------------------------------------------------------------------------------

    def _one(self, url: str, validators: Validators | None, accept: str, prefix_only: bool,
             extra_headers: dict[str, str], deadline: float) -> FetchResult | str:
        """Send one request; return the result, or the URL a redirect points to."""
        scheme, host, port, target = self._check_url(url)
        addresses = self._addresses(url, host, port)
        connection = self._connection(scheme, host, port, addresses, deadline, url)
        headers = {"User-Agent": self.policy.user_agent, "Accept": accept, "Accept-Encoding": "identity",
                   "Connection": "close", **extra_headers}
        if validators is not None and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        try:
            self.requests_sent += 1
            connection.request("GET", target, headers=headers)
            sock = connection.sock
            response = connection.getresponse()
            if response.status in REDIRECTS and response.getheader("Location"):
                return urljoin(url, response.getheader("Location").strip())
            if response.status == 304:
                return FetchResult(url, 304, etag=response.getheader("ETag") or (validators and validators.etag),
                                   last_modified=response.getheader("Last-Modified")
                                   or (validators and validators.last_modified))
            if response.status != 200:
                raise FetchError("http", url, _http_message(response.status, url), status=response.status)
            body, truncated = self._read(response, sock, url, deadline, prefix_only)
            return FetchResult(url, 200, body, response.getheader("ETag"), response.getheader("Last-Modified"),
                               response.getheader("Content-Type"), truncated=truncated)
        except TimeoutError:
            raise FetchError("timeout", url, _(
                "Zeitüberschreitung: %(url)s hat nicht rechtzeitig geantwortet.", url=url)) from None
        except ssl.SSLError as exc:
            raise FetchError("tls", url, _("TLS-Fehler bei %(url)s: %(reason)s", url=url,
                                           reason=exc.reason or exc)) from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise FetchError("protocol", url, _("Die Verbindung zu %(url)s brach ab (%(reason)s).", url=url,
                                                reason=type(exc).__name__)) from None
        finally:
            connection.close()

    def _check_url(self, url: str) -> tuple[str, str, int, str]:
        """Return scheme, host, port and request target; refuse other schemes and credentials."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise FetchError("scheme", url, _("„%(url)s“ ist keine gültige Adresse.", url=url)) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("scheme", url, _(
                "Nur http- und https-Adressen werden abgerufen, nicht „%(url)s“.", url=url))
        if parts.username or parts.password:
            raise FetchError("credentials", url, _(
                "Adressen mit Zugangsdaten werden nicht abgerufen: %(url)s", url=_without_credentials(url)))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), target

    def _addresses(self, url: str, host: str, port: int) -> list[Address]:
        """Resolve the host and check every address it has."""
        try:
            ip = ipaddress.ip_address(host)
            addresses = [(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, str(ip))]
        except ValueError:
            try:
                addresses = list(self.resolver(host, port))
            except (OSError, UnicodeError):
                raise FetchError("dns", url, _("Der Name „%(host)s“ lässt sich nicht auflösen.", host=host)) from None
        if not addresses:
            raise FetchError("dns", url, _("Der Name „%(host)s“ lässt sich nicht auflösen.", host=host))
        if not self.policy.allow_private:
            for _family, text in addresses:
                if not is_public_address(ipaddress.ip_address(text.split("%")[0])):
                    raise FetchError("blocked", url, _(
                        "%(url)s führt zur nicht öffentlichen Adresse %(ip)s; solche Ziele werden nur mit "
                        "--allow-private abgerufen.", url=url, ip=text))
        return addresses

    def _connection(self, scheme: str, host: str, port: int, addresses: list[Address], deadline: float,
                    url: str) -> http.client.HTTPConnection:
        """An HTTP(S) connection that goes to the checked addresses only."""
        timeout = self._remaining(deadline, url)
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self.tls)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)

        def connect(_address, conn_timeout=timeout, _source=None):
            last: OSError | None = None
            for address in addresses:
                try:
                    return self.connector(address, port, min(conn_timeout, self._remaining(deadline, url)))
                except TimeoutError:
                    raise
                except OSError as exc:
                    last = exc
            raise FetchError("connect", url, _("Keine Verbindung zu %(url)s (%(reason)s).", url=url,
                                               reason=getattr(last, "strerror", None) or type(last).__name__))

        connection._create_connection = connect  # the one documented hook of http.client for this
        return connection

    def _remaining(self, deadline: float, url: str) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError("timeout", url, _(
                "Zeitüberschreitung: %(url)s hat nicht rechtzeitig geantwortet.", url=url))
        return min(self.policy.timeout, left)

    def _read(self, response: http.client.HTTPResponse, sock: socket.socket, url: str, deadline: float,
              prefix_only: bool) -> tuple[bytes, bool]:
        """Read the body in chunks; refuse it once it is larger than allowed."""
        limit = self.policy.max_bytes
        declared = response.getheader("Content-Length")
        if not prefix_only and declared and declared.strip().isdigit() and int(declared) > limit:
            raise FetchError("too_large", url, _too_large(url, limit))
        chunks, size = [], 0
        while True:
            sock.settimeout(self._remaining(deadline, url))
            chunk = response.read1(CHUNK)
            if not chunk:
                return b"".join(chunks), False
            size += len(chunk)
            if size > limit:
                if prefix_only:
                    chunks.append(chunk[: len(chunk) - (size - limit)])
                    return b"".join(chunks), True
                raise FetchError("too_large", url, _too_large(url, limit))
            chunks.append(chunk)


def _too_large(url: str, limit: int) -> str:
    return _("%(url)s ist größer als erlaubt (höchstens %(kb)d kB).", url=url, kb=limit // 1000)


def _http_message(status: int, url: str) -> str:
    if status in (404, 410):
        return _("%(url)s gibt es nicht (mehr) (HTTP %(status)d).", url=url, status=status)
    return _("%(url)s antwortete mit HTTP %(status)d.", url=url, status=status)


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()
