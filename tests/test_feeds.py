"""Atom feeds: valid Atom 1.0, newest first, per topic and municipality, escaped hostile text."""

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from tests.helpers import record, write_jsonl

NS = {"a": "http://www.w3.org/2005/Atom"}
HOSTILE = 'Böse <script>alert("x")</script> & </title><entry>\x07 ]]>'


@pytest.fixture
def cases(runner, tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl", [
        record("feed-neu", title=HOSTILE, summary="Kurz & <b>knapp</b>", municipality="14713000",
               topics=["Geodaten"], published="2031-05-02T10:00:00+00:00"),
        record("feed-alt", title="Älterer Fall", municipality="Landkreis Leipzig", topics=["Bildung"],
               published="2031-05-01T10:00:00+00:00"),
        record("feed-jena", title="Jenaer Fall", municipality="Jena", topics=["Geodaten"],
               published="2031-04-30T10:00:00+00:00"),
    ])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return root


def assert_valid_atom(root: ET.Element) -> None:
    """The MUSTs of RFC 4287 for feed and entries."""
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"a:{tag}", NS)) == 1, tag
    assert root.find("a:link[@rel='self']", NS).get("href")
    assert root.find("a:author/a:name", NS).text
    datetime.fromisoformat(root.find("a:updated", NS).text.replace("Z", "+00:00"))
    ids = [e.find("a:id", NS).text for e in root.findall("a:entry", NS)]
    assert len(ids) == len(set(ids))
    for entry in root.findall("a:entry", NS):
        for tag in ("id", "title", "updated", "summary"):
            assert entry.find(f"a:{tag}", NS) is not None, tag
        assert entry.find("a:link[@rel='alternate']", NS).get("href").startswith("http")
        assert entry.find("a:author/a:name", NS).text
        datetime.fromisoformat(entry.find("a:updated", NS).text.replace("Z", "+00:00"))


def entries(root):
    return [(e.find("a:title", NS).text, e.find("a:link", NS).get("href")) for e in root.findall("a:entry", NS)]


def test_feed_is_valid_atom_and_lists_newest_first(client, cases):
    root = parse(client.get("/feeds/cases.atom"))
    assert_valid_atom(root)
    slugs = [href.rsplit("/", 1)[1] for _title, href in entries(root)]
    assert slugs[:3] == ["feed-neu", "feed-alt", "feed-jena"]
    first = root.find("a:entry", NS)
    assert first.find("a:author/a:name", NS).text == "Leipzig"
    assert first.find("a:category", NS).get("label") == "Geodaten"


def test_hostile_titles_are_escaped_not_interpreted(client, cases):
    raw = client.get("/feeds/cases.atom").get_data(as_text=True)
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    root = parse(client.get("/feeds/cases.atom"))
    title = entries(root)[0][0]
    assert title == HOSTILE.replace("\x07", "")  # the control character XML cannot carry is dropped
    summary = root.find("a:entry/a:summary", NS).text
    assert summary.endswith("Kurz & <b>knapp</b> – noch keine weitere Kommune nutzt sie")


def test_topic_feed_only_has_that_topic(client, cases):
    root = parse(client.get("/feeds/cases.atom?topic=Geodaten"))
    assert_valid_atom(root)
    assert {e.find("a:category[@label='Geodaten']", NS) is not None for e in root.findall("a:entry", NS)} == {True}
    assert "Geodaten" in root.find("a:title", NS).text
    assert client.get("/feeds/cases.atom?topic=bildung").status_code == 200
    assert client.get("/feeds/cases.atom?topic=Raumfahrt").status_code == 404


def test_municipality_feeds(client, cases):
    leipzig = parse(client.get("/feeds/municipalities/14713000.atom"))
    assert_valid_atom(leipzig)
    assert [t for t, _h in entries(leipzig)] == [HOSTILE.replace("\x07", "")] or "feed-neu" in entries(leipzig)[0][1]
    assert all("feed-jena" not in href for _t, href in entries(leipzig))
    same = parse(client.get("/feeds/cases.atom?municipality=14713000"))
    assert entries(same) == entries(leipzig)
    kreis = parse(client.get("/feeds/municipalities/14729.atom"))
    assert "feed-alt" in {href.rsplit("/", 1)[1] for _t, href in entries(kreis)}
    assert "Landkreis Leipzig" in kreis.find("a:title", NS).text
    assert client.get("/feeds/municipalities/99999.atom").status_code == 404
    assert client.get("/feeds/municipalities/abc.atom").status_code == 404


def test_feeds_are_open_to_other_sites_and_linked_from_every_page(client, cases):
    response = client.get("/feeds/cases.atom")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in page and 'href="/feeds/cases.atom"' in page
