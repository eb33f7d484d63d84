"""The harvester end to end against a local web site: import, conditional re-reads, updates through moderation
when a curator edited the case, unreachable sources, refused targets and sizes, timeouts — and never a half-written
database."""

import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import (
    AuditEvent,
    CaseChange,
    HarvestOutcome,
    HarvestSource,
    ModerationState,
    Organisation,
    UseCase,
    User,
)
from kb.services import audit
from kb.services.cases import moderation, submissions
from kb.services.interchange.harvest import run, sources
from kb.services.interchange.harvest.fetch import Fetcher, FetchPolicy
from tests.harvest_site import LocalSite
from tests.helpers import case_count, signed_in

FILE = (Path(__file__).parent / "data" / "publiccode-lenient" / "v03-without-release-date.publiccode.yml").read_text(
    encoding="utf-8")
SLUG = "ratsinformation-offen-stadt-jena"
PATH = "/jena/publiccode.yml"
STAMP = "Tue, 01 Apr 2025 10:00:00 GMT"


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


def harvest(runner, *args):
    return runner.invoke(args=["harvest", *map(str, args)])


def load(app, slug=SLUG):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        if case is not None:
            _ = case.adoptions, case.owner
            db.session.expunge_all()
        return case


def source_row(app, url):
    with app.app_context():
        row = db.session.scalar(select(HarvestSource).where(HarvestSource.url == url))
        db.session.expunge_all()
        return row


def test_first_run_imports_then_a_conditional_request_changes_nothing_and_a_new_file_updates(runner, app, site):
    site.page(PATH, FILE, etag='"v1"', last_modified=STAMP)
    url = site.url(PATH)
    first = harvest(runner, "--allow-private", url)
    assert first.exit_code == 0, first.output
    assert "neu" in first.output and SLUG in first.output and "1 Quelle – 1 neu" in first.output
    assert f"Hinweis: {url}, Feld „releaseDate“: Pflichtangabe „releaseDate“ fehlt" in first.output  # non-strict
    case = load(app)
    assert case.moderation is ModerationState.PUBLISHED and case.owner.key == "16053000"  # Stadt Jena
    assert {a.organisation.name for a in case.adoptions} >= {"Erfurt"}
    row = source_row(app, url)
    assert (row.case_id, row.etag, row.outcome, row.failures) == (case.id, '"v1"', HarvestOutcome.CREATED, 0)
    assert row.harvested_at is not None
    with app.app_context():
        stamp = db.session.get(CaseChange, SLUG).changed_at

    second = harvest(runner, "--allow-private", url)
    assert second.exit_code == 0, second.output
    assert "nicht geändert" in second.output
    sent = site.requests_for(PATH)[-1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == STAMP
    again = load(app)
    assert (again.lock_version, again.updated_at) == (case.lock_version, case.updated_at)
    with app.app_context():
        assert db.session.get(CaseChange, SLUG).changed_at == stamp

    site.page(PATH, FILE.replace("offen und durchsuchbar", "offen, durchsuchbar und barrierefrei"), etag='"v2"')
    third = harvest(runner, "--allow-private", url)
    assert third.exit_code == 0, third.output
    assert "1 aktualisiert" in third.output, third.output
    assert load(app).summary.endswith("offen, durchsuchbar und barrierefrei.")
    assert source_row(app, url).etag == '"v2"'
    with app.app_context():
        assert db.session.get(CaseChange, SLUG).changed_at > stamp


def test_a_curated_case_gets_the_new_version_through_moderation(runner, app, site, make_user):
    site.page(PATH, FILE, etag='"v1"')
    url = site.url(PATH)
    assert harvest(runner, "--allow-private", url).exit_code == 0
    moderator_id, _email, _pw = make_user("moderator")
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        curator = db.session.get(User, moderator_id)
        data = submissions.editable_data(db.session, case)
        submissions.propose_edit(db.session, case, {**data, "title": "Ratsinfo Jena (kuratiert)"}, actor=curator)
        moderation.decide(db.session, case, "publish", None, actor=curator)
    site.page(PATH, FILE.replace("name: Ratsinformation Offen", "name: Ratsinformation Offen 2"), etag='"v2"')
    result = harvest(runner, "--allow-private", url)
    assert result.exit_code == 0, result.output
    assert "zur Prüfung" in result.output
    assert load(app).title == "Ratsinfo Jena (kuratiert)"  # the curator's text stays until a moderator decides
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        pending = moderation.pending_for(db.session, case)
        assert pending is not None and pending.is_edit and pending.revision.data["title"] == "Ratsinformation Offen 2"
        assert pending.revision.author_id is None
        curator = db.session.get(User, moderator_id)
        moderation.decide(db.session, case, "publish", None, actor=curator)
        assert case.title == "Ratsinformation Offen 2"
    site.page(PATH, FILE.replace("name: Ratsinformation Offen", "name: Ratsinformation Offen 3"), etag='"v3"')
    after = harvest(runner, "--allow-private", url)
    assert "aktualisiert" in after.output, after.output  # the published proposal is the source's own text
    assert load(app).title == "Ratsinformation Offen 3"


def test_a_vanished_source_is_marked_after_three_failures_and_its_case_is_kept(runner, app, site, client, make_user):
    site.page(PATH, FILE)
    url = site.url(PATH)
    assert harvest(runner, "--allow-private", url).exit_code == 0
    del site.pages[PATH]
    outputs = [harvest(runner, "--allow-private", url) for _ in range(3)]
    assert [r.exit_code for r in outputs] == [1, 1, 1]
    assert "404" in outputs[0].output and "nicht mehr erreichbar" not in outputs[1].output.split("\n")[-2]
    assert "Quelle nicht mehr erreichbar (3 Fehlversuche in Folge)" in outputs[2].output
    row = source_row(app, url)
    assert (row.failures, row.outcome, row.unreachable) == (3, HarvestOutcome.FAILED, True)
    assert load(app).moderation is ModerationState.PUBLISHED  # never deleted
    detail = client.get(f"/api/v1/cases/{SLUG}").get_json()
    assert detail["source"] == {"url": url, "harvested": detail["source"]["harvested"], "unreachable": True}
    assert "Quelle nicht mehr erreichbar" in client.get(f"/cases/{SLUG}").get_data(as_text=True)
    _aid, admin_email, _pw = make_user("admin")
    _rid, reader_email, _pw = make_user("moderator")
    assert signed_in(app, reader_email).get("/admin/quellen").status_code == 403
    page = signed_in(app, admin_email).get("/admin/quellen").get_data(as_text=True)
    assert url in page and "Quelle nicht mehr erreichbar" in page and "3 Fehlversuche in Folge" in page
    assert "HTTP 404" in page and "Ratsinformation Offen" in page
    site.page(PATH, FILE)
    assert harvest(runner, "--allow-private", url).exit_code == 0
    assert source_row(app, url).failures == 0


def test_loopback_targets_need_the_flag_even_behind_a_redirect(runner, app, site):
    site.page(PATH, FILE)
    refused = harvest(runner, site.url(PATH))
    assert refused.exit_code == 1 and "--allow-private" in refused.output and site.requests == []

    site.redirect("/umgezogen.yml", site.url(PATH))

    def resolver(host, port):
        assert host == "kommune.example"
        return [(socket.AF_INET, "93.184.215.14")]  # pretend public; the connector below goes to the site

    def connector(address, port, timeout):
        return socket.create_connection(("127.0.0.1", site.port), timeout=timeout)

    fetcher = Fetcher(FetchPolicy(timeout=0.5, deadline=3), resolver=resolver, connector=connector)
    with app.app_context():
        report = run.harvest(db.session, sources.expand(["http://kommune.example/umgezogen.yml"]), fetcher=fetcher)
    result = report.results[0]
    assert result.outcome is HarvestOutcome.FAILED and "127.0.0.1" in result.error
    assert site.requests_for(PATH) == [] and len(site.requests_for("/umgezogen.yml")) == 1
    assert load(app) is None


def test_oversized_slow_and_broken_sources_fail_alone_and_nothing_is_half_written(runner, app, site, monkeypatch):
    site.page("/gross.yml", b"# " + b"x" * 5_000_000)
    site.page("/langsam.yml", FILE, delay=1.2)
    site.page("/kaputt.yml", "name: [unfertig\n")
    site.page(PATH, FILE)
    before = case_count(app)
    result = harvest(runner, "--allow-private", *(site.url(p) for p in ("/gross.yml", "/langsam.yml",
                                                                        "/kaputt.yml", PATH)))
    assert result.exit_code == 1
    assert "größer als erlaubt (höchstens 1000 kB)" in result.output
    assert "Zeitüberschreitung" in result.output
    assert "kaputt.yml" in result.output and "Kein gültiges YAML" in result.output
    assert "4 Quellen – 1 neu" in result.output and "1 ungültig, 2 nicht erreichbar" in result.output
    assert case_count(app) == before + 1  # the good source is harvested anyway

    site.page("/zweite.yml", FILE.replace("name: Ratsinformation Offen", "name: Bürgerhaushalt")
              .replace("ratsinformation-offen.git", "buergerhaushalt.git").replace("Stadt Erfurt", "Comune di Bari"))

    def broken_audit(*args, **kwargs):
        raise RuntimeError("Platte voll")

    monkeypatch.setattr(audit, "record", broken_audit)
    with app.app_context():
        organisations = db.session.scalar(select(func.count(Organisation.id)))
        changes = db.session.scalar(select(func.count()).select_from(CaseChange))
    crashed = harvest(runner, "--allow-private", site.url("/zweite.yml"))
    assert crashed.exit_code == 1 and "Platte voll" in crashed.output
    assert case_count(app) == before + 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == organisations  # no "Comune di Bari"
        assert db.session.scalar(select(func.count()).select_from(CaseChange)) == changes
        assert db.session.scalar(select(UseCase).where(UseCase.title == "Bürgerhaushalt")) is None


def test_dry_run_and_quiet_mode(runner, app, site):
    site.page(PATH, FILE)
    dry = harvest(runner, "--allow-private", "--dry-run", site.url(PATH))
    assert dry.exit_code == 0 and "Probelauf" in dry.output and "1 neu" in dry.output
    assert load(app) is None and source_row(app, site.url(PATH)) is None
    quiet = harvest(runner, "--allow-private", "--quiet", site.url(PATH))
    assert (quiet.exit_code, quiet.output) == (0, "")
    assert load(app) is not None
    failing = harvest(runner, "--allow-private", "--quiet", site.url(PATH), site.url("/fehlt.yml"))
    assert failing.exit_code == 1
    assert "fehlt.yml" in failing.output and SLUG not in failing.output  # only the problem is printed


def test_repositories_and_list_files(runner, app, site, tmp_path):
    advertisement = (b"001e# service=git-upload-pack\n0000"
                     + _pkt(b"1111111111111111111111111111111111111111 HEAD\0multi_ack symref=HEAD:refs/heads/haupt\n")
                     + b"0000")
    site.page("/kommune/ratsinfo.git/info/refs?service=git-upload-pack", advertisement)
    site.page("/kommune/ratsinfo/raw/branch/haupt/publiccode.yml", FILE)
    listing = tmp_path / "quellen.txt"
    listing.write_text(f"# Quellen der Kommunen\n\n{site.url('/kommune/ratsinfo')}   # Ratsinfo\n", encoding="utf-8")
    result = harvest(runner, "--allow-private", listing)
    assert result.exit_code == 0, result.output
    row = source_row(app, site.url("/kommune/ratsinfo"))
    assert row.fetch_url == site.url("/kommune/ratsinfo/raw/branch/haupt/publiccode.yml")
    assert load(app) is not None
    listing.write_text("keine Adresse\n", encoding="utf-8")
    bad = harvest(runner, listing)
    assert bad.exit_code == 2 and f"{listing}, Zeile 1" in bad.output


def _pkt(payload: bytes) -> bytes:
    return f"{len(payload) + 4:04x}".encode() + payload


def test_harvested_changes_are_in_the_audit_log(app, runner, site):
    site.page(PATH, FILE)
    assert harvest(runner, "--allow-private", site.url(PATH)).exit_code == 0
    with app.app_context():
        events = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.data)
                                    .where(AuditEvent.object_id == SLUG)).all()
    assert [(action, actor) for action, actor, _data in events] == [("case.harvest", None)]
    assert events[0].data == {"source": site.url(PATH), "outcome": "created"}
