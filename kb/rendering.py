"""Markdown to safe HTML."""

from __future__ import annotations

import markdown as markdown_lib
from markupsafe import Markup

from kb.sanitize import clean_html

_EXTENSIONS = ["extra", "sane_lists"]


def render_markdown(text: str | None, demote_headings: int = 1) -> Markup:
    """Render Markdown and sanitise it; headings are demoted so the page keeps one <h1>."""
    if not text:
        return Markup("")
    html = markdown_lib.markdown(text, extensions=_EXTENSIONS, output_format="html")
    for level in range(6 - demote_headings, 0, -1):
        html = html.replace(f"<h{level}", f"<h{level + demote_headings}").replace(
            f"</h{level}>", f"</h{level + demote_headings}>"
        )
    return Markup(clean_html(html))  # noqa: S704 - sanitised by kb.sanitize
