"""Where a source's publiccode.yml lives: the file a URL names, or the root of a repository's default branch.

A source is either the URL of a publiccode.yml (any path ending in ``.yml``/``.yaml``; a forge's
"blob" page is turned into its raw file) or the URL of a Git repository. For a repository the
file is read at the root of the default branch through the forge's raw-file URL:

* GitHub: ``https://raw.githubusercontent.com/<owner>/<repo>/HEAD/publiccode.yml``
* GitLab (gitlab.com, openCode and other GitLab instances): ``<repo>/-/raw/HEAD/publiccode.yml``
* Bitbucket: ``<repo>/raw/HEAD/publiccode.yml``
* Gitea, Forgejo (Codeberg …) and any other host: the default branch is read from the
  repository's Git HTTP advertisement (``<repo>.git/info/refs?service=git-upload-pack``, whose
  ``symref=HEAD:refs/heads/<branch>`` names it), then ``<repo>/raw/branch/<branch>/publiccode.yml``
  (Gitea/Forgejo) or ``<repo>/-/raw/<branch>/publiccode.yml`` (GitLab) is tried.

SSH addresses (``git@host:owner/repo.git``) are read as their https form. Nothing here sends a
request itself; the caller passes a fetcher (kb.services.interchange.harvest.fetch).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from flask_babel import gettext as _

from kb.services.interchange.harvest.fetch import Fetcher, FetchError

FILENAME = "publiccode.yml"
SSH_RE = re.compile(r"^(?:ssh://)?git@(?P<host>[\w.-]+)[:/](?P<path>[\w./~-]+?)(?:\.git)?/?$")
SYMREF_RE = re.compile(rb"symref=HEAD:refs/heads/(\S+)")
GITLAB_HOSTS = ("gitlab.com", "gitlab.opencode.de")
GITEA_HOSTS = ("codeberg.org", "gitea.com")
REF_PAGE_RE = re.compile(r"^(?P<repo>.+?)/(?:-/)?(?:tree|src/branch)/(?P<ref>[^/]+)/?$")


class SourceError(ValueError):
    """The text is neither a publiccode.yml URL nor a repository URL."""


@dataclass(frozen=True)
class Location:
    """A source as the harvester reads it."""

    url: str  # the source, normalised (https form, no trailing slash, no .git)
    is_file: bool
    branch: str | None = None  # a branch named in the URL (…/tree/<branch>)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def locate(text: str) -> Location:
    """Classify and normalise a source given by a person; raise SourceError for anything else."""
    text = text.strip()
    match = SSH_RE.match(text)
    if match:
        text = f"https://{match['host']}/{match['path']}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceError(_("„%(source)s“ ist keine http(s)-Adresse einer publiccode.yml oder eines "
                            "Repositorys.", source=text))
    path = parts.path.rstrip("/")
    if path.lower().endswith((".yml", ".yaml")):
        return Location(_raw_file_url(urlunsplit(parts._replace(fragment=""))), True)
    if parts.query:
        raise SourceError(_("„%(source)s“ sieht weder nach einer publiccode.yml noch nach einem Repository aus.",
                            source=text))
    path = path[:-4] if path.endswith(".git") else path
    branch = None
    ref = REF_PAGE_RE.match(path)
    if ref:
        path, branch = ref["repo"], ref["ref"]
    if path.count("/") < 2:
        raise SourceError(_("„%(source)s“ ist kein Repository (erwartet: https://host/eigentümer/name).",
                            source=text))
    return Location(urlunsplit((parts.scheme, parts.netloc.lower(), path, "", "")), False, branch)


def _raw_file_url(url: str) -> str:
    """A forge's page of a file as its raw download (GitHub, GitLab, Gitea/Forgejo)."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path
    github = re.match(r"^/([^/]+)/([^/]+)/(?:blob|raw)/(.+)$", path)
    if host == "github.com" and github:
        return urlunsplit(("https", "raw.githubusercontent.com", "/".join(github.groups()), "", ""))
    if "/-/blob/" in path:
        return urlunsplit(parts._replace(path=path.replace("/-/blob/", "/-/raw/", 1)))
    for page, raw in (("/src/branch/", "/raw/branch/"), ("/src/commit/", "/raw/commit/"), ("/src/tag/", "/raw/tag/")):
        if page in path:
            return urlunsplit(parts._replace(path=path.replace(page, raw, 1)))
    return url


def candidates(location: Location, fetcher: Fetcher) -> Iterator[str]:
    """The raw URLs that may hold the publiccode.yml, best first (the default branch is asked lazily)."""
    if location.is_file:
        yield location.url
        return
    host, base = location.host, location.url
    repo_path = urlsplit(base).path
    ref = quote(location.branch, safe="") if location.branch else "HEAD"
    if host == "github.com":
        yield f"https://raw.githubusercontent.com{repo_path}/{ref}/{FILENAME}"
        return
    if host == "bitbucket.org":
        yield f"{base}/raw/{ref}/{FILENAME}"
        return
    if _is_gitlab(host):
        yield f"{base}/-/raw/{ref}/{FILENAME}"
        if location.branch:
            return
    branch = location.branch or default_branch(base, fetcher)
    if branch is None:
        return
    ref = quote(branch, safe="/")
    if _is_gitlab(host):
        yield f"{base}/-/raw/{ref}/{FILENAME}"
    elif host in GITEA_HOSTS or host.startswith(("gitea.", "forgejo.")):
        yield f"{base}/raw/branch/{ref}/{FILENAME}"
    else:
        yield f"{base}/raw/branch/{ref}/{FILENAME}"
        yield f"{base}/-/raw/{ref}/{FILENAME}"


def _is_gitlab(host: str) -> bool:
    return host in GITLAB_HOSTS or host.startswith("gitlab.") or ".gitlab." in host


def default_branch(repository: str, fetcher: Fetcher) -> str | None:
    """The repository's HEAD branch from its Git HTTP advertisement, or None if it cannot be read."""
    url = f"{repository}.git/info/refs?service=git-upload-pack"
    try:
        answer = fetcher.get(url, accept="application/x-git-upload-pack-advertisement", prefix_only=True)
    except FetchError as exc:
        if exc.reason in ("blocked", "scheme", "credentials"):
            raise
        return None
    return head_branch(answer.body)


def head_branch(advertisement: bytes) -> str | None:
    """Read the HEAD branch from the pkt-lines of a ref advertisement (protocol v0/v1)."""
    match = SYMREF_RE.search(advertisement[:65536])
    if match:
        return match.group(1).decode("utf-8", "replace")
    refs: dict[bytes, list[bytes]] = {}
    head = None
    for line in _pkt_lines(advertisement):
        sha, _sp, rest = line.partition(b" ")
        name = rest.split(b"\0")[0].strip()
        if name == b"HEAD":
            head = sha
        elif name.startswith(b"refs/heads/"):
            refs.setdefault(sha, []).append(name[len(b"refs/heads/"):])
    names = refs.get(head or b"", [])
    for preferred in (b"main", b"master"):
        if preferred in names:
            return preferred.decode()
    return names[0].decode("utf-8", "replace") if names else None


def _pkt_lines(data: bytes) -> Iterator[bytes]:
    """Split Git pkt-lines (4 hex digits of length, then the payload); stop at anything malformed."""
    position = 0
    while position + 4 <= len(data):
        try:
            length = int(data[position:position + 4], 16)
        except ValueError:
            return
        if length == 0:
            position += 4
            continue
        if length < 4:
            return
        yield data[position + 4:position + length].rstrip(b"\n")
        position += length
