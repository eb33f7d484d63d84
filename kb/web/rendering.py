"""Markdown to safe HTML."""

from __future__ import annotations

import xml.etree.ElementTree as etree
from functools import lru_cache

import markdown as markdown_lib
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup

from kb.web.sanitize import clean_html

# an address written as plain text: http(s)://… or www.…, without trailing punctuation
BARE_URL = r"(?<![\w/@.])(?:https?://|www\.)[^\s<>\"'`\[\]]*[^\s<>\"'`\[\]().,;:!?]"


class _BareUrl(InlineProcessor):
    def handleMatch(self, match, data):  # noqa: N802 (Markdown's name)
        url = match.group(0)
        link = etree.Element("a", href=url if "://" in url else "http://" + url)
        link.text = url
        return link, match.start(0), match.end(0)


class BareUrlExtension(Extension):
    """Plain-text addresses become links (after Markdown's own links, never in code)."""

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's name)
        md.inlinePatterns.register(_BareUrl(BARE_URL, md), "bare_url", 5)


def render_markdown(text: str | None, demote_headings: int = 1) -> Markup:
    """Render Markdown and sanitise it; headings are demoted so the page keeps one <h1>."""
    if not text:
        return Markup("")
    return Markup(_render(text, demote_headings))  # noqa: S704 - sanitised by kb.web.sanitize


@lru_cache(maxsize=1024)
def _render(text: str, demote_headings: int) -> str:
    """Markdown → sanitised HTML, remembered per text (a case page renders the same texts again and again)."""
    extensions = ["extra", "sane_lists", TocExtension(baselevel=1 + demote_headings), BareUrlExtension()]
    return clean_html(markdown_lib.markdown(text, extensions=extensions, output_format="html"))
