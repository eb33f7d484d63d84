"""The one place that sanitises HTML (bleach today; swap for nh3 here alone).

Everything user-written that is shown as HTML passes through ``clean_html``; search
highlights pass through ``clean_highlight``.
"""

from __future__ import annotations

import re

import bleach
from bleach.linkifier import Linker

ALLOWED_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["scope"], "td": [], "code": []}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
HIGHLIGHT_TAGS = frozenset({"mark"})


def _link_attributes(attrs: dict, new: bool = False) -> dict:
    """Give every link rel="nofollow noopener" and drop links without a safe target."""
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href or href.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
        return None
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)
_linker = Linker(callbacks=[_link_attributes], skip_tags={"pre", "code"}, parse_email=False)
_highlight_cleaner = bleach.Cleaner(tags=HIGHLIGHT_TAGS, attributes={}, protocols=set(), strip=True)


def clean_html(html: str) -> str:
    """Return HTML with only allowed tags, attributes and URL schemes; links get rel=nofollow."""
    return _linker.linkify(_cleaner.clean(html or ""))


def clean_highlight(snippet: str) -> str:
    """Return a search snippet that may contain nothing but text and <mark>.

    Snippets from the search backend are already escaped text with balanced ``<mark>`` pairs;
    those pass a strict check unchanged (bleach would take a millisecond each), anything
    else goes through bleach.
    """
    snippet = snippet or ""
    if _SAFE_HIGHLIGHT.fullmatch(snippet) and _balanced_marks(snippet):
        return snippet
    return _highlight_cleaner.clean(snippet)


# text without "<", entities limited to the escapes html.escape produces, bare <mark>/</mark> tags
_SAFE_HIGHLIGHT = re.compile(r"(?:[^<&]|&(?:amp|lt|gt|quot|#x27|#39|#34);|</?mark>)*")
_MARK_TAG = re.compile(r"</?mark>")


def _balanced_marks(snippet: str) -> bool:
    tags = _MARK_TAG.findall(snippet)
    return tags == ["<mark>", "</mark>"] * (len(tags) // 2)
