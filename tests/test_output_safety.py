"""Output safety: the sanitiser against real payloads, security headers, oversize requests."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from kb.web.rendering import render_markdown
from kb.web.sanitize import ALLOWED_TAGS, clean_highlight, clean_html
from tests.xss_payloads import markdown_payloads, payloads

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster"}


class TagCollector(HTMLParser):
    """Every start tag with its attributes, as a browser-grade tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def dangers(html: str, allowed_tags=ALLOWED_TAGS) -> list[str]:
    collector = TagCollector()
    collector.feed(html)
    found = []
    for tag, attrs in collector.tags:
        if tag not in allowed_tags:
            found.append(f"tag <{tag}>")
        for name, value in attrs:
            compact = "".join((value or "").split()).lower()
            if name.startswith("on") or name == "style":
                found.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and compact.startswith(("javascript:", "vbscript:", "data:")):
                found.append(f"{name}={value!r} on <{tag}>")
    return found


def test_clean_html_leaves_nothing_executable():
    found = {p: dangers(clean_html(p)) for p in payloads()}
    assert len(found) >= 300
    assert {p: d for p, d in found.items() if d} == {}


def test_markdown_rendering_leaves_nothing_executable():
    found = {p: dangers(str(render_markdown(p))) for p in payloads() + markdown_payloads().splitlines()}
    assert {p: d for p, d in found.items() if d} == {}


def test_markdown_payload_collection_as_one_document():
    html = str(render_markdown(markdown_payloads()))
    assert dangers(html) == []
    assert "<table>" in html, "harmless Markdown still renders"


def test_highlights_keep_only_mark():
    problems = {}
    for payload in payloads():
        snippet = clean_highlight(f"… <mark>Treffer</mark> {payload} …")
        collector = TagCollector()
        collector.feed(snippet)
        tags = {tag for tag, _attrs in collector.tags}
        if "<mark>Treffer</mark>" not in snippet or tags - {"mark"} or dangers(snippet, allowed_tags={"mark"}):
            problems[payload] = snippet
    assert problems == {}


def test_the_checker_itself_sees_danger():
    """dangers() must flag what it is meant to flag, or the tests above prove nothing."""
    assert dangers('<img src=x onerror="alert(1)">')
    assert dangers('<a href=" javascript:alert(1)">x</a>', allowed_tags={"a"})
    assert dangers("<script>alert(1)</script>")
    assert dangers('<p style="x">y</p>', allowed_tags={"p"})
    assert dangers("<p>harmlos</p>", allowed_tags={"p"}) == []


def test_links_get_rel_nofollow_noopener_and_unsafe_schemes_are_dropped():
    html = clean_html('<a href="https://example.org">a</a> <a href="mailto:amt@example.org">b</a> '
                      '<a href="javascript:alert(1)">c</a> <a href=" JAVASCRIPT:alert(1)">d</a> '
                      '<a href="data:text/html,x">e</a> <a href="vbscript:x">f</a>')
    assert html.count('rel="nofollow noopener noreferrer"') == 2
    assert "javascript" not in html.lower() and "data:" not in html and "vbscript" not in html
    assert ">c<" in html or "c" in html  # the text stays, the link goes


def test_allowed_markup_survives():
    html = str(render_markdown("## Titel\n\n**fett** *kursiv* `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                               "> Zitat\n\n- eins\n- zwei\n\n[Doku](https://example.org/doku \"Hilfe\")"))
    for fragment in ("<h3>Titel</h3>", "<strong>fett</strong>", "<em>kursiv</em>", "<code>code</code>",
                     "<table>", "<blockquote>", "<li>eins</li>", 'title="Hilfe"'):
        assert fragment in html, fragment


def test_plain_addresses_become_links_but_not_in_code_and_headings_step_down():
    html = str(render_markdown("# Eins\n\n###### Sechs\n\nMehr auf https://example.org/info. Oder www.kommune.de!\n\n"
                               "`https://im-code.example`"))
    assert "<h2>Eins</h2>" in html and "<h6>Sechs</h6>" in html and "<h1" not in html
    assert ('<a href="https://example.org/info" rel="nofollow noopener noreferrer">https://example.org/info</a>.'
            in html)
    assert '<a href="http://www.kommune.de" rel="nofollow noopener noreferrer">www.kommune.de</a>!' in html
    assert "<code>https://im-code.example</code>" in html


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize("path", ["/", "/gibt-es-nicht", "/cases/nicht-da", "/api/v1/cases/nicht-da",
                                  "/static/css/app.css", "/login", "/feeds/cases.atom"])
def test_security_headers_also_on_errors_and_static_files(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "base-uri 'self'" in csp and "form-action 'self'" in csp
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["X-Frame-Options"] == "DENY"


def test_method_not_allowed_is_a_page_in_the_layout(client):
    response = client.post("/impressum")
    assert response.status_code == 405
    assert "Methode nicht erlaubt" in response.get_data(as_text=True) and "Impressum" in response.get_data(as_text=True)


def test_oversize_posts_get_a_clear_413_page(app, client, make_user, login):
    _id, email, password = make_user("contributor")
    login(email, password)
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/cases/new", data={"action": "save", "title": "Zu groß", "description": big})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Anfrage zu groß" in html and '<html lang="de"' in html and "Impressum" in html
    assert response.headers["Content-Security-Policy"]
    anonymous = app.test_client().post("/login", data={"email": "a@example.org", "password": big})
    assert anonymous.status_code == 413
