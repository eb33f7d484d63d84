"""Markdown to safe HTML."""

from __future__ import annotations

from functools import lru_cache

import markdown as markdown_lib
from markupsafe import Markup

from kb.web.sanitize import clean_html

_EXTENSIONS = ["extra", "sane_lists"]


def render_markdown(text: str | None, demote_headings: int = 1) -> Markup:
    """Render Markdown and sanitise it; headings are demoted so the page keeps one <h1>."""
    if not text:
        return Markup("")
    return Markup(_render(text, demote_headings))  # noqa: S704 - sanitised by kb.web.sanitize


@lru_cache(maxsize=1024)
def _render(text: str, demote_headings: int) -> str:
    """Markdown → sanitised HTML, remembered per text (a case page renders the same texts again and again)."""
    html = markdown_lib.markdown(text, extensions=_EXTENSIONS, output_format="html")
    for level in range(6 - demote_headings, 0, -1):
        html = html.replace(f"<h{level}", f"<h{level + demote_headings}").replace(
            f"</h{level}>", f"</h{level + demote_headings}>"
        )
    return clean_html(html)
