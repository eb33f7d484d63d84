"""The harvester against a local web site, continued: repository URLs of GitHub, GitLab and Codeberg read the raw
publiccode.yml of the default branch, one source's failure leaves the others and its own case untouched, a dry run
of an update writes nothing, the limits and User-Agent come from KB_HARVEST_*, and /admin/quellen is a table with
row and column headers."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import build_config
from kb.extensions import db
from kb.models import CaseChange, HarvestOutcome, HarvestSource, UseCase
from kb.services import audit
from kb.services.interchange.harvest import run, sources
from kb.services.interchange.harvest.fetch import Fetcher, FetchPolicy
from tests.harvest_site import LocalSite
from tests.helpers import case_count, signed_in

FILE = (Path(__file__).parent / "data" / "publiccode-lenient" / "v03-without-release-date.publiccode.yml").read_text(
    encoding="utf-8")
SLUG = "ratsinformation-offen-stadt-jena"


def variant(name: str, repository: str) -> str:
    """The Jena file as another project: its own name and repository (so its own case)."""
    return FILE.replace("name: Ratsinformation Offen", f"name: {name}").replace(
        "https://gitlab.opencode.de/stadt-beispiel/ratsinformation-offen.git", repository)


def _pkt(payload: bytes) -> bytes:
    return f"{len(payload) + 4:04x}".encode() + payload


def advertisement(branch: str) -> bytes:
    """A Git smart-HTTP ref advertisement whose HEAD points to ``branch`` (as Gitea/Forgejo send it)."""
    head = f"2222222222222222222222222222222222222222 HEAD\0multi_ack symref=HEAD:refs/heads/{branch}\n"
    return b"001e# service=git-upload-pack\n0000" + _pkt(head.encode()) + b"0000"


class ForgeFetcher(Fetcher):
    """Sends every https request for a forge host to the local site, under /<host>/<path> (http, loopback)."""

    def __init__(self, site: LocalSite) -> None:
        super().__init__(FetchPolicy(allow_private=True, timeout=0.5, deadline=3))
        self.site = site
        self.asked: list[str] = []

    def get(self, url, validators=None, **options):
        self.asked.append(url)
        local = self.site.url("/" + url.split("://", 1)[1]) if url.startswith("https://") else url
        result = super().get(local, validators, **options)
        result.url = url  # remembered as the forge's own address
        return result


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


def harvest_with(app, fetcher, *urls, dry_run=False):
    with app.app_context():
        return run.harvest(db.session, sources.expand(list(urls)), fetcher=fetcher, dry_run=dry_run)


def rows(app):
    with app.app_context():
        found = {row.url: (row.fetch_url, row.case.slug if row.case else None)
                 for row in db.session.scalars(select(HarvestSource))}
        db.session.expunge_all()
        return found


def test_repository_urls_of_github_gitlab_and_codeberg_read_the_default_branch(app, site):
    site.page("/raw.githubusercontent.com/stadt-jena/ratsinfo/HEAD/publiccode.yml",
              variant("Ratsinfo Jena", "https://github.com/stadt-jena/ratsinfo"))
    site.page("/gitlab.com/stadt-ulm/maengelmelder/-/raw/HEAD/publiccode.yml",
              variant("Mängelmelder Ulm", "https://gitlab.com/stadt-ulm/maengelmelder"))
    site.page("/codeberg.org/kommune/buergerhaushalt.git/info/refs?service=git-upload-pack", advertisement("haupt"))
    site.page("/codeberg.org/kommune/buergerhaushalt/raw/branch/haupt/publiccode.yml",
              variant("Bürgerhaushalt", "https://codeberg.org/kommune/buergerhaushalt"))
    site.page("/raw.githubusercontent.com/stadt-jena/parken/entwicklung/publiccode.yml",
              variant("Parken Jena", "https://github.com/stadt-jena/parken"))
    fetcher = ForgeFetcher(site)
    report = harvest_with(app, fetcher, "https://github.com/stadt-jena/ratsinfo.git",
                          "https://gitlab.com/stadt-ulm/maengelmelder/", "git@codeberg.org:kommune/buergerhaushalt.git",
                          "https://github.com/stadt-jena/parken/blob/entwicklung/publiccode.yml")
    assert [r.outcome for r in report.results] == [HarvestOutcome.CREATED] * 4, [r.error for r in report.results]
    stored = rows(app)
    assert stored["https://github.com/stadt-jena/ratsinfo"][0] == \
        "https://raw.githubusercontent.com/stadt-jena/ratsinfo/HEAD/publiccode.yml"
    assert stored["https://gitlab.com/stadt-ulm/maengelmelder"][0] == \
        "https://gitlab.com/stadt-ulm/maengelmelder/-/raw/HEAD/publiccode.yml"
    assert stored["https://codeberg.org/kommune/buergerhaushalt"][0] == \
        "https://codeberg.org/kommune/buergerhaushalt/raw/branch/haupt/publiccode.yml"  # HEAD is "haupt"
    assert stored["https://raw.githubusercontent.com/stadt-jena/parken/entwicklung/publiccode.yml"][0] == \
        "https://raw.githubusercontent.com/stadt-jena/parken/entwicklung/publiccode.yml"  # a blob page, read raw
    assert all(slug for _url, slug in stored.values())
    assert not [url for url in fetcher.asked if "github.com/" in url and "raw.githubusercontent" not in url]

    fetcher.asked.clear()
    again = harvest_with(app, fetcher, "https://codeberg.org/kommune/buergerhaushalt")
    assert again.results[0].outcome is HarvestOutcome.UNCHANGED
    assert fetcher.asked == ["https://codeberg.org/kommune/buergerhaushalt/raw/branch/haupt/publiccode.yml"]


def test_a_repository_without_publiccode_yml_fails_naming_what_was_tried(app, site):
    fetcher = ForgeFetcher(site)
    report = harvest_with(app, fetcher, "https://github.com/stadt-jena/ohne-datei")
    result = report.results[0]
    assert result.outcome is HarvestOutcome.FAILED
    assert result.error == ("Im Repository https://github.com/stadt-jena/ohne-datei ist keine publiccode.yml zu finden "
                            "(gesucht: https://raw.githubusercontent.com/stadt-jena/ohne-datei/HEAD/publiccode.yml).")
    assert rows(app)["https://github.com/stadt-jena/ohne-datei"][1] is None


def test_a_source_failing_while_writing_changes_nothing_and_the_others_land(app, site, monkeypatch):
    for name in ("eins", "zwei", "drei"):
        site.page(f"/{name}.yml", variant(f"Lösung {name}", f"https://gitlab.com/kommune/{name}"))
    real_record = audit.record

    def failing_for_zwei(session, actor, action, obj, data=None, **kwargs):
        if data and data.get("source", "").endswith("/zwei.yml"):
            raise RuntimeError("Datenbank voll")
        return real_record(session, actor, action, obj, data=data, **kwargs)

    monkeypatch.setattr(audit, "record", failing_for_zwei)
    before = case_count(app)
    with app.app_context():
        journal = db.session.scalar(select(func.count()).select_from(CaseChange))
    report = harvest_with(app, Fetcher(FetchPolicy(allow_private=True, timeout=0.5, deadline=3)),
                          *(site.url(f"/{name}.yml") for name in ("eins", "zwei", "drei")))
    assert [r.outcome for r in report.results] == [HarvestOutcome.CREATED, HarvestOutcome.FAILED,
                                                   HarvestOutcome.CREATED]
    assert "Datenbank voll" in report.results[1].error and "nichts wurde übernommen" in report.results[1].error
    assert case_count(app) == before + 2
    with app.app_context():
        titles = set(db.session.scalars(select(UseCase.title)))
        assert {"Lösung eins", "Lösung drei"} <= titles and "Lösung zwei" not in titles
        assert db.session.scalar(select(func.count()).select_from(CaseChange)) == journal + 2
        zwei = db.session.scalar(select(HarvestSource).where(HarvestSource.url == site.url("/zwei.yml")))
        assert zwei.case_id is None and zwei.outcome is HarvestOutcome.FAILED and zwei.content_digest is None
        assert zwei.harvested_at is None and zwei.failures == 0  # our own failure: no harvest, no missing source


def test_the_case_and_the_source_state_are_one_unit(app, site, monkeypatch):
    site.page("/jena.yml", FILE, etag='"v1"')
    url = site.url("/jena.yml")
    real_apply = run._apply_state
    calls = []

    def failing_once(row, written, answer, digest, failed, count=True):
        calls.append(written.outcome)
        if not failed and len(calls) == 1:
            raise RuntimeError("Zustand nicht speicherbar")
        return real_apply(row, written, answer, digest, failed, count)

    monkeypatch.setattr(run, "_apply_state", failing_once)
    before = case_count(app)
    with app.app_context():
        journal = db.session.scalar(select(func.count()).select_from(CaseChange))
    fetcher = Fetcher(FetchPolicy(allow_private=True, timeout=0.5, deadline=3))
    failed = harvest_with(app, fetcher, url).results[0]
    assert calls[0] is HarvestOutcome.CREATED and failed.outcome is HarvestOutcome.FAILED
    assert "Zustand nicht speicherbar" in failed.error
    assert case_count(app) == before  # the case written before the state went with it
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseChange)) == journal
        row = db.session.scalar(select(HarvestSource).where(HarvestSource.url == url))
        assert (row.case_id, row.etag, row.content_digest, row.harvested_at) == (None, None, None, None)
    again = harvest_with(app, fetcher, url).results[0]  # the next run takes it over whole
    assert again.outcome is HarvestOutcome.CREATED and case_count(app) == before + 1
    with app.app_context():
        row = db.session.scalar(select(HarvestSource).where(HarvestSource.url == url))
        assert row.etag == '"v1"' and row.case_id is not None and row.content_digest


def test_a_dry_run_of_an_update_writes_nothing(app, runner, site):
    site.page("/jena.yml", FILE, etag='"v1"')
    url = site.url("/jena.yml")
    assert runner.invoke(args=["harvest", "--allow-private", url]).exit_code == 0
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        before = (case.title, case.lock_version, case.updated_at, db.session.get(CaseChange, SLUG).changed_at)
        row = db.session.scalar(select(HarvestSource).where(HarvestSource.url == url))
        stored = (row.etag, row.harvested_at, row.attempted_at, row.content_digest)
    site.page("/jena.yml", FILE.replace("name: Ratsinformation Offen", "name: Ratsinformation Offen 2"), etag='"v2"')
    dry = runner.invoke(args=["harvest", "--allow-private", "--dry-run", url])
    assert dry.exit_code == 0 and "Probelauf, nichts geschrieben" in dry.output and "1 aktualisiert" in dry.output
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        assert (case.title, case.lock_version, case.updated_at,
                db.session.get(CaseChange, SLUG).changed_at) == before
        row = db.session.scalar(select(HarvestSource).where(HarvestSource.url == url))
        assert (row.etag, row.harvested_at, row.attempted_at, row.content_digest) == stored


def test_limits_and_user_agent_come_from_the_environment(app, runner, site):
    site.page("/jena.yml", FILE + "#" * 4000)  # about 5 kB
    app.config.update({key: value for key, value in build_config({
        "KB_HARVEST_MAX_BYTES": "2048", "KB_HARVEST_USER_AGENT": "Ernte-Test/2.0 (it@kommune.example)",
        "KB_HARVEST_TIMEOUT": "0.5", "KB_HARVEST_DEADLINE": "3",
    }).items() if key.startswith("KB_HARVEST_")})
    refused = runner.invoke(args=["harvest", "--allow-private", site.url("/jena.yml")])
    assert refused.exit_code == 1 and "größer als erlaubt (höchstens 2 kB)" in refused.output
    assert site.requests_for("/jena.yml")[-1].headers["user-agent"] == "Ernte-Test/2.0 (it@kommune.example)"
    app.config["KB_HARVEST_MAX_BYTES"] = 1_000_000
    assert runner.invoke(args=["harvest", "--allow-private", site.url("/jena.yml")]).exit_code == 0


class Table(HTMLParser):
    """The cells of the first table: (tag, scope, text) per row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str | None, str]]] = []
        self.cell: list | None = None
        self.in_table = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and not self.rows:
            self.in_table = True
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag in ("th", "td"):
            self.cell = [tag, dict(attrs).get("scope"), ""]

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        elif self.in_table and tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append((self.cell[0], self.cell[1], " ".join(self.cell[2].split())))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[2] += data


def test_the_sources_page_is_a_table_with_row_and_column_headers(app, runner, site, make_user):
    site.page("/jena.yml", FILE)
    assert runner.invoke(args=["harvest", "--allow-private", site.url("/jena.yml"), site.url("/weg.yml")]
                         ).exit_code == 1
    _aid, email, _pw = make_user("admin")
    table = Table()
    table.feed(signed_in(app, email).get("/admin/quellen").get_data(as_text=True))
    header, *body = table.rows
    assert [(tag, scope) for tag, scope, _text in header] == [("th", "col")] * 5
    assert header[0][2] == "Quelle"
    assert len(body) == 2
    for cells in body:
        assert cells[0][:2] == ("th", "row") and cells[0][2].startswith("http://127.0.0.1")
        assert [tag for tag, _scope, _text in cells[1:]] == ["td"] * 4
    assert body[0][0][2] == site.url("/weg.yml") and "HTTP 404" in body[0][4][2]  # failures first
