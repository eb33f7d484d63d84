"""The one place that sanitises HTML (nh3, the Rust ammonia sanitiser).

Everything user-written that is shown as HTML passes through ``clean_html``; search
highlights pass through ``clean_highlight``.
"""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
HIGHLIGHT_TAGS = frozenset({"mark"})
LINK_REL = "nofollow noopener noreferrer"
_UNSAFE_TARGET = ("javascript:", "data:", "vbscript:")
# a link whose target the sanitiser dropped: keep its text, lose the link
_LINK_WITHOUT_TARGET = re.compile(rf'<a rel="{LINK_REL}"(?: title="[^"]*")?>(.*?)</a>', re.S)


def _safe_target(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and "".join(value.split()).lower().startswith(_UNSAFE_TARGET):
        return None
    return value


def clean_html(html: str) -> str:
    """Return HTML with only allowed tags, attributes and URL schemes; links get rel=nofollow."""
    cleaned = nh3.clean(html or "", tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES,
                        url_schemes=set(ALLOWED_PROTOCOLS), attribute_filter=_safe_target, strip_comments=True,
                        link_rel=LINK_REL)
    return _LINK_WITHOUT_TARGET.sub(r"\1", cleaned)


def clean_highlight(snippet: str) -> str:
    """Return a search snippet that may contain nothing but text and <mark>.

    Snippets from the search backend are already escaped text with balanced ``<mark>`` pairs;
    those pass a strict check unchanged, anything else goes through the sanitiser.
    """
    snippet = snippet or ""
    if _SAFE_HIGHLIGHT.fullmatch(snippet) and _balanced_marks(snippet):
        return snippet
    return nh3.clean(snippet, tags=set(HIGHLIGHT_TAGS), attributes={}, url_schemes=set(), link_rel=None)


# text without "<", entities limited to the escapes html.escape produces, bare <mark>/</mark> tags
_SAFE_HIGHLIGHT = re.compile(r"(?:[^<&]|&(?:amp|lt|gt|quot|#x27|#39|#34);|</?mark>)*")
_MARK_TAG = re.compile(r"</?mark>")


def _balanced_marks(snippet: str) -> bool:
    tags = _MARK_TAG.findall(snippet)
    return tags == ["<mark>", "</mark>"] * (len(tags) // 2)
