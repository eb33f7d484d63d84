"""Configuration read from ``KB_*`` environment variables (see ../shared/INTERFACES.md §2)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent


class BaseConfig:
    """Settings shared by every environment."""

    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "kb" / "translations")
    KB_LANGUAGES = ("de", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    JSON_SORT_KEYS = False
    KB_SEED_DIR = str(BASE_DIR / "seed_data")
    KB_SITE_NAME = "Praxisatlas"
    KB_PER_PAGE = 10
    KB_MAP_TILE_URL = None
    KB_MAP_TILE_ATTRIBUTION = ""
    KB_LOGIN_MAX_FAILURES = 5
    KB_PASSWORD_HASH_METHOD = "scrypt:32768:8:1"  # noqa: S105 - a method; werkzeug's default, ~85 ms a hash
    KB_LOGIN_LOCK_MINUTES = 15
    KB_LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    KB_REGISTRATION_ROLE = "contributor"
    KB_CONFIRM_MAX_AGE_HOURS = 72
    KB_RESET_MAX_AGE_MINUTES = 60
    KB_BASE_URL = "http://127.0.0.1:5000"
    KB_API_RATE_LIMIT = "300/minute"
    KB_IMPORT_MAX_BYTES = 512 * 1024 * 1024  # largest file import-cases reads
    KB_PROXY_HOPS = 0
    KB_HARVEST_TIMEOUT = 10.0  # seconds per connect/read of the harvester
    KB_HARVEST_DEADLINE = 30.0  # seconds for one request, redirects included
    KB_HARVEST_MAX_BYTES = 1_000_000
    KB_HARVEST_MAX_REDIRECTS = 5
    KB_HARVEST_USER_AGENT = None  # None: "Praxisatlas-Harvester/1.0 (+KB_BASE_URL)"
    KB_DCAT_PUBLISHER = None  # None: the site name publishes the DCAT-AP.de description
    KB_DCAT_PUBLISHER_URI = None  # None: KB_BASE_URL/#herausgeber
    KB_DCAT_CONTACT_EMAIL = None
    KB_DCAT_CONTRIBUTOR_ID = None  # the dcatde:contributorID GovData assigns
    KB_LOG_FULL_IP = False
    KB_RELAY_PER_HOUR = 10  # messages through the contact relay per account and hour
    KB_RELAY_PER_HOUR_PER_ADDRESS = 30  # … per client address and hour (several accounts)
    KB_FOLLOW_PER_HOUR = 60  # follows per account and hour (and twice that per address)
    KB_ACCESSIBILITY_EMAIL = None  # feedback address in the accessibility statement (Erklärung zur Barrierefreiheit)
    KB_ACCESSIBILITY_DATE = date(2026, 11, 22)  # when the statement was drawn up or last reviewed


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    KB_API_RATE_LIMIT = "10000/minute"
    KB_HARVEST_TIMEOUT = 0.5  # the local test server answers at once; slow-server tests stay short
    KB_HARVEST_DEADLINE = 3.0
    # scrypt with N=2^10 instead of 2^15 (production): 3 instead of 85 ms per hash or check; the tests
    # create and sign in hundreds of accounts, and the timing tests compare like with like
    KB_PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - a method, not a password


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    KB_BASE_URL = None  # required: kb.web.hosts refuses to start without it
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {c.ENV_NAME: c for c in (DevelopmentConfig, TestingConfig, ProductionConfig)}


def build_config(environ: Mapping[str, str] | None = None) -> dict:
    """Return the settings for ``KB_ENV`` with the ``KB_*`` variables applied."""
    environ = os.environ if environ is None else environ
    env_name = environ.get("KB_ENV", "development")
    if env_name not in CONFIGS:
        raise RuntimeError(f"KB_ENV={env_name!r} ist unbekannt; erlaubt: {', '.join(CONFIGS)}")
    cls = CONFIGS[env_name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    data_dir = Path(environ.get("KB_DATA_DIR") or BASE_DIR / "instance").resolve()
    settings["KB_DATA_DIR"] = str(data_dir)
    settings["SQLALCHEMY_DATABASE_URI"] = (
        environ.get("KB_DATABASE_URL") or f"sqlite:///{data_dir / 'kb.sqlite3'}"
    )
    settings["KB_SEARCH_BACKEND"] = environ.get("KB_SEARCH_BACKEND", "whoosh")
    settings["SECRET_KEY"] = environ.get("KB_SECRET_KEY") or None
    if environ.get("KB_BASE_URL"):
        settings["KB_BASE_URL"] = check_base_url(environ["KB_BASE_URL"])
    settings["KB_TRUSTED_HOSTS"] = tuple(
        host.strip().lower() for host in (environ.get("KB_TRUSTED_HOSTS") or "").split(",") if host.strip())
    if environ.get("KB_MAP_TILE_URL"):
        settings["KB_MAP_TILE_URL"] = environ["KB_MAP_TILE_URL"]
    if environ.get("KB_MAP_TILE_ATTRIBUTION"):
        settings["KB_MAP_TILE_ATTRIBUTION"] = environ["KB_MAP_TILE_ATTRIBUTION"]
    settings.update(_mail_settings(environ))
    settings.update(_operations_settings(environ))
    settings.update(_account_settings(environ))
    settings.update(_accessibility_settings(environ))
    settings.update(_harvest_settings(environ))
    settings.update(_dcat_settings(environ))
    return settings


def check_base_url(value: str) -> str:
    """Return the public address without a trailing slash; refuse anything but http(s)://host[:port][/path]."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            f"KB_BASE_URL={value!r} ist keine gültige öffentliche Adresse; erwartet wird z. B. "
            "KB_BASE_URL=https://praxisatlas.example.de (http oder https, Host, optional Port und Pfad, "
            "ohne ? und #).")
    return value.strip().rstrip("/")


HARVEST_NUMBERS = (("KB_HARVEST_TIMEOUT", float, 0.1, 300), ("KB_HARVEST_DEADLINE", float, 0.1, 3600),
                   ("KB_HARVEST_MAX_BYTES", int, 1024, 100_000_000), ("KB_HARVEST_MAX_REDIRECTS", int, 0, 20))
CONTRIBUTORS = "http://dcat-ap.de/def/contributors/"


def _harvest_settings(environ: Mapping[str, str]) -> dict:
    """The harvester's limits and User-Agent (``flask --app wsgi harvest``), if set in the environment."""
    settings: dict = {}
    for key, kind, low, high in HARVEST_NUMBERS:
        raw = (environ.get(key) or "").strip()
        if not raw:
            continue
        try:
            value = kind(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise RuntimeError(f"{key}={raw!r} ist ungültig: erwartet wird eine "
                               f"{'ganze ' if kind is int else ''}Zahl von {low} bis {high}")
        settings[key] = value
    agent = (environ.get("KB_HARVEST_USER_AGENT") or "").strip()
    if agent:
        if not agent.isprintable() or len(agent) > 200:
            raise RuntimeError("KB_HARVEST_USER_AGENT muss eine Zeile aus höchstens 200 druckbaren Zeichen sein")
        settings["KB_HARVEST_USER_AGENT"] = agent
    timeout = settings.get("KB_HARVEST_TIMEOUT", BaseConfig.KB_HARVEST_TIMEOUT)
    if settings.get("KB_HARVEST_DEADLINE", BaseConfig.KB_HARVEST_DEADLINE) < timeout:
        raise RuntimeError(f"KB_HARVEST_DEADLINE (Sekunden je Abruf samt Weiterleitungen) darf nicht kürzer sein "
                           f"als KB_HARVEST_TIMEOUT ({timeout:g} s)")
    return settings


def _dcat_settings(environ: Mapping[str, str]) -> dict:
    """Publisher, contact and GovData contributor ID of the DCAT-AP.de description, if set in the environment."""
    settings: dict = {}
    if (environ.get("KB_DCAT_PUBLISHER") or "").strip():
        settings["KB_DCAT_PUBLISHER"] = environ["KB_DCAT_PUBLISHER"].strip()
    uri = (environ.get("KB_DCAT_PUBLISHER_URI") or "").strip()
    if uri:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RuntimeError(f"KB_DCAT_PUBLISHER_URI={uri!r} ist keine http(s)-Adresse (z. B. "
                               "https://www.kommune.example/ oder ein Eintrag eines Behördenverzeichnisses)")
        settings["KB_DCAT_PUBLISHER_URI"] = uri
    email = (environ.get("KB_DCAT_CONTACT_EMAIL") or "").strip()
    if email:
        local, _at, domain = email.partition("@")
        if not local or "." not in domain or any(c.isspace() for c in email):
            raise RuntimeError(f"KB_DCAT_CONTACT_EMAIL={email!r} ist keine E-Mail-Adresse")
        settings["KB_DCAT_CONTACT_EMAIL"] = email
    contributor = (environ.get("KB_DCAT_CONTRIBUTOR_ID") or "").strip()
    if contributor:
        settings["KB_DCAT_CONTRIBUTOR_ID"] = contributor_uri(contributor)
    return settings


def contributor_uri(value: str) -> str:
    """The IRI of a GovData contributor ID: given whole, or as its last part ("praxisatlas")."""
    value = value.strip()
    if value.startswith(("http://", "https://")):
        if not value.startswith(CONTRIBUTORS) or len(value) == len(CONTRIBUTORS):
            raise RuntimeError(f"KB_DCAT_CONTRIBUTOR_ID={value!r} liegt nicht im Vokabular {CONTRIBUTORS} "
                               "(die ID vergibt GovData)")
        return value
    if not all(c.isalnum() or c in "-_." for c in value):
        raise RuntimeError(f"KB_DCAT_CONTRIBUTOR_ID={value!r} ist keine ID aus {CONTRIBUTORS}")
    return CONTRIBUTORS + value


def _accessibility_settings(environ: Mapping[str, str]) -> dict:
    """Feedback address and date of the accessibility statement, if set in the environment."""
    settings: dict = {}
    if environ.get("KB_ACCESSIBILITY_EMAIL"):
        settings["KB_ACCESSIBILITY_EMAIL"] = environ["KB_ACCESSIBILITY_EMAIL"].strip()
    if environ.get("KB_ACCESSIBILITY_DATE"):
        try:
            settings["KB_ACCESSIBILITY_DATE"] = date.fromisoformat(environ["KB_ACCESSIBILITY_DATE"])
        except ValueError:
            raise RuntimeError(f"KB_ACCESSIBILITY_DATE={environ['KB_ACCESSIBILITY_DATE']!r} ist kein Datum "
                               "(JJJJ-MM-TT)") from None
    return settings


def _account_settings(environ: Mapping[str, str]) -> dict:
    """Lock-out limits and the role of self-registered accounts, if set in the environment."""
    settings: dict = {}
    for key in ("KB_LOGIN_MAX_FAILURES", "KB_LOGIN_LOCK_MINUTES", "KB_LOGIN_MAX_FAILURES_PER_ADDRESS",
                "KB_CONFIRM_MAX_AGE_HOURS", "KB_RESET_MAX_AGE_MINUTES", "KB_RELAY_PER_HOUR",
                "KB_RELAY_PER_HOUR_PER_ADDRESS", "KB_FOLLOW_PER_HOUR"):
        if environ.get(key):
            try:
                settings[key] = int(environ[key])
            except ValueError:
                raise RuntimeError(f"{key}={environ[key]!r} ist keine ganze Zahl") from None
    if environ.get("KB_REGISTRATION_ROLE"):
        if environ["KB_REGISTRATION_ROLE"] not in ("reader", "contributor"):
            raise RuntimeError("KB_REGISTRATION_ROLE muss „reader“ oder „contributor“ sein")
        settings["KB_REGISTRATION_ROLE"] = environ["KB_REGISTRATION_ROLE"]
    return settings


def _operations_settings(environ: Mapping[str, str]) -> dict:
    """Reverse-proxy hops to trust (ProxyFix) and how long it may keep anonymous answers, how many
    anonymous answers each process keeps (and whether the processes share them), full client addresses
    in logs, the API rate limit."""
    hops = environ.get("KB_PROXY_HOPS") or "0"
    cache_seconds = environ.get("KB_PROXY_CACHE_SECONDS") or "10"
    entries = environ.get("KB_RESPONSE_CACHE_ENTRIES") or "512"
    for name, value in (("KB_PROXY_HOPS", hops), ("KB_PROXY_CACHE_SECONDS", cache_seconds),
                        ("KB_RESPONSE_CACHE_ENTRIES", entries)):
        if not value.isdigit():
            raise RuntimeError(f"{name}={value!r} ist keine ganze Zahl")
    settings = {
        "KB_PROXY_HOPS": int(hops),
        "KB_PROXY_CACHE_SECONDS": int(cache_seconds),
        "KB_RESPONSE_CACHE_ENTRIES": int(entries),
        "KB_LOG_FULL_IP": (environ.get("KB_LOG_FULL_IP") or "0").lower() not in ("0", "false", "no"),
        "KB_RESPONSE_CACHE_SHARED": (environ.get("KB_RESPONSE_CACHE_SHARED") or "1").lower() not in ("0", "false",
                                                                                                   "no"),
    }
    if environ.get("KB_API_RATE_LIMIT"):
        settings["KB_API_RATE_LIMIT"] = environ["KB_API_RATE_LIMIT"]
    return settings


def _mail_settings(environ: Mapping[str, str]) -> dict:
    """Read the ``KB_MAIL_*`` variables; without a server, mail goes to the outbox."""
    return {
        "KB_MAIL_SERVER": environ.get("KB_MAIL_SERVER") or None,
        "KB_MAIL_PORT": int(environ.get("KB_MAIL_PORT") or 587),
        "KB_MAIL_USERNAME": environ.get("KB_MAIL_USERNAME") or None,
        "KB_MAIL_PASSWORD": environ.get("KB_MAIL_PASSWORD") or None,
        "KB_MAIL_USE_TLS": (environ.get("KB_MAIL_USE_TLS") or "1") not in ("0", "false", "no"),
        "KB_MAIL_SENDER": environ.get("KB_MAIL_SENDER") or "Praxisatlas <noreply@praxisatlas.invalid>",
    }
