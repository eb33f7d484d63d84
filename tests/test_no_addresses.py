"""No page, feed, download or API answer shows another person's e-mail address.

A scenario with every kind of address the site knows – a case's contact address, a referent,
a member who declared an adoption, the author of a need and a member who joined it, a follower –
then a crawl of the pages of this feature (and the pages they link to) as an anonymous visitor,
as a member and as a moderator (the Steckbrief PDF read as text). Only the viewer's own address
may appear (in the header).
Account administration (/admin) is the one place that shows addresses, to admins.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from kb.extensions import db
from kb.models import Need, UseCase
from tests.helpers import record, signed_in, write_jsonl

ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SLUG = "adressen-fall"
EDIT_FORMS = ("/edit",)  # the case form shows the stored contact to whoever edits the case (author, moderators)
CRAWL_PREFIXES = ("/bedarfe", f"/cases/{SLUG}", "/konto/abos", "/feeds/updates", "/moderation/bedarfe", "/abbestellen",
                  "/teilen", "/cases/aehnlich", "/cases/neu/", "/cases/schulanmeldung-online-fuer-weimar/schritte/")
TITLE = "Schulanmeldung online mit Platzvergabe"
DRAFT = "/cases/schulanmeldung-online-fuer-weimar/schritte"
STEPS = ("worum", "betrieb", "nachnutzung", "kontakt", "pruefen")


@pytest.fixture
def scenario(app, runner, tmp_path, make_user):
    people = {}
    for key, ags, role in (("referent", "14713000", "contributor"), ("declarer", "16053000", "reader"),
                           ("author", "16051000", "reader"), ("joiner", "08421000", "reader"),
                           ("follower", "15002000", "reader"), ("viewer", "09162000", "reader"),
                           ("sharer", "16055000", "contributor"),
                           ("moderator", None, "moderator")):
        _id, people[key], _pw = make_user(role, email=f"{key}-privat@{key}.example", municipality=ags)
    path = write_jsonl(tmp_path / "adressen.jsonl", [record(
        SLUG, title=TITLE, municipality="14713000", topics=["Bildung"],
        contact={"name": "Schulamt", "email": "schulamt-geheim@leipzig.example", "phone": "0341 123"})])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    referent = signed_in(app, people["referent"])
    assert referent.post(f"/cases/{SLUG}/ansprechperson", data={"ref-name": "Rita Referentin"}).status_code == 303
    assert signed_in(app, people["declarer"]).post(f"/cases/{SLUG}/adopt",
                                                   data={"status": "interessiert"}).status_code == 303
    assert signed_in(app, people["author"]).post("/bedarfe/neu", data={
        "title": "Digitale Schulanmeldung", "problem": "Papierformulare.", "topic": "Bildung"}).status_code == 303
    with app.app_context():
        need_id = db.session.scalar(select(Need.id))
        case_id = db.session.scalar(select(UseCase.id).where(UseCase.slug == SLUG))
    signed_in(app, people["moderator"]).post(f"/moderation/bedarfe/{need_id}", data={"decision": "publish"})
    assert signed_in(app, people["joiner"]).post(f"/bedarfe/{need_id}/mitmachen").status_code == 303
    follower = signed_in(app, people["follower"])
    follower.post("/abos", data={"kind": "case", "ref": case_id, "next": "/"})
    follower.post("/abos", data={"kind": "need", "ref": need_id, "next": "/"})
    sharer = signed_in(app, people["sharer"])  # a guided draft like the case: its steps offer it as a duplicate
    assert sharer.post("/cases/neu/worum", data={"title": "Schulanmeldung online für Weimar"}).status_code == 303
    with app.app_context():
        adopters = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG)).adoptions
        org_id = adopters[0].organisation_id
    people["addresses"] = {people[k] for k in people} | {"schulamt-geheim@leipzig.example"}
    start = [f"/cases/{SLUG}", f"/cases/{SLUG}/kontakt", f"/cases/{SLUG}/frage/{org_id}",
             f"/cases/{SLUG}/mitmachen", f"/cases/{SLUG}/mitmachen/kontakt", f"/cases/{SLUG}/versionen",
             "/bedarfe", f"/bedarfe/{need_id}", f"/bedarfe/{need_id}/kontakt", "/bedarfe/neu", "/konto/abos",
             "/municipalities/14713000", "/municipalities/16053000", "/municipalities/16051000",
             "/feeds/updates.atom", f"/feeds/updates.atom?case={SLUG}", f"/feeds/updates.atom?bedarf={need_id}",
             f"/api/v1/cases/{SLUG}", "/api/v1/municipalities/14713000", "/daten/praxisatlas-faelle.jsonl",
             "/moderation", f"/moderation/bedarfe/{need_id}", f"/moderation/{SLUG}", f"/cases/{SLUG}/ansprechperson",
             f"/cases/{SLUG}/steckbrief.pdf", "/teilen", f"/cases/aehnlich?q={TITLE}", "/cases/neu/worum",
             *(f"{DRAFT}/{step}" for step in STEPS)]
    return people, start


def pdf_text(data: bytes) -> str:
    """The text of a PDF (the Steckbrief), as a reader would copy it."""
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def crawl(client, start: list[str], limit: int = 80) -> dict[str, str]:
    """Fetch the start pages and the same-site links on them (new-feature prefixes only)."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        body = pdf_text(response.data) if response.mimetype == "application/pdf" else response.get_data(as_text=True)
        seen[path] = body
        if "html" not in response.mimetype:
            continue
        for href in re.findall(r'href="(/[^"#]*)"', body):
            href = href.replace("&amp;", "&")
            if href.startswith(CRAWL_PREFIXES) and href not in seen and not href.endswith(EDIT_FORMS):
                queue.append(href)
    return seen


def test_no_page_shows_another_persons_address(app, scenario):
    """As a member inside the need and the pool (sees the most of the member pages), as a moderator
    (sees the moderation pages) and as a contributor sharing a solution step by step (/teilen, the
    duplicate check, the steps and the check page offering this case); anonymous visitors see a subset
    of the member's pages. About 5 s: some 30 pages per viewer."""
    people, start = scenario
    for viewer in ("joiner", "moderator", "sharer"):
        pages = crawl(signed_in(app, people[viewer]), start)
        assert len(pages) >= len(start)
        leaks = sorted({f"{path}: {address}" for path, body in pages.items()
                        for address in ADDRESS.findall(body) if address != people[viewer]})
        assert not leaks, f"as {viewer}:\n" + "\n".join(leaks[:20])
        assert "Rita Referentin" in pages[f"/cases/{SLUG}"]  # the referent is shown – by name
    assert f'href="/cases/{SLUG}"' in pages[f"{DRAFT}/pruefen"]  # "Gibt es schon?" names this case
    assert f"/cases/{SLUG}" in pages[f"/cases/aehnlich?q={TITLE}"]
    assert "/bedarfe/neu" in pages and any("/feeds/updates.atom" in path for path in pages)
