"""The site header and footer of every page, rendered once per process and kept.

The header depends on the language, the page (which link is current, whether the header shows a search
box and with which words), whether the menu is the short one of an error page, and the signed-in
account (its address and what its role may reach). It is kept under exactly those values; this
request's form token and the path to come back to after a language switch are put in afterwards, so
every visitor still gets their own. The footer depends on the language only. Both also depend on the
app (site name, the prefix of its URLs): the store lives in ``app.extensions``.

Other parts the same way (:func:`stored_part`): an empty form, kept under everything it shows but the
form token and the texts it is prefilled with, which are put in for each request.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from kb.models import Role

_STORE = "kb_page_parts"
_SIZE = 2048  # keys: languages × pages × accounts; forgotten all at once when full
_SEARCH_PAGES = ("catalog.index", "catalog.search")  # they have their own search box
_MENU_ROLES = (Role.CONTRIBUTOR, Role.MODERATOR, Role.ADMIN)  # each adds a link to the account menu


class PartStore:
    """Rendered parts by key, with the placeholders they were rendered with."""

    def __init__(self) -> None:
        self.token = f"kb-part-token-{secrets.token_hex(8)}"
        self.next_path = f"kb-part-next-{secrets.token_hex(8)}"
        self._blanks: dict[str, str] = {}
        self._parts: dict[tuple, str] = {}
        self._lock = threading.Lock()

    def blank(self, name: str) -> str:
        """The placeholder of the value ``name`` (letters, digits and dashes: the same once escaped)."""
        found = self._blanks.get(name)
        if found is None:
            found = self._blanks.setdefault(name, f"kb-part-{name}-{secrets.token_hex(8)}")
        return found

    def get(self, key: tuple, render) -> str:
        part = self._parts.get(key)
        if part is None:
            part = render()
            with self._lock:
                if len(self._parts) >= _SIZE:
                    self._parts.clear()
                self._parts[key] = part
        return part


def init_app(app: Flask) -> None:
    """Give the app its store; kb.web.templating registers site_header and site_footer for base.html."""
    app.extensions[_STORE] = PartStore()


def site_header(minimal: bool) -> Markup:
    """The header for this request; ``minimal`` (an error page) leaves out the account links and does
    not load the signed-in user."""
    store: PartStore = current_app.extensions[_STORE]
    part = store.get(_header_key(minimal), lambda: render_template(
        "_site_header.html", minimal_header=minimal, form_token=store.token, next_path=store.next_path))
    here = str(escape(request.full_path.rstrip("?")))
    return Markup(part.replace(store.token, generate_csrf()).replace(store.next_path, here))  # noqa: S704 - rendered with autoescape


def site_footer() -> Markup:
    store: PartStore = current_app.extensions[_STORE]
    key = ("footer", str(get_locale() or ""), request.script_root)
    return Markup(store.get(key, lambda: render_template("_site_footer.html")))  # noqa: S704 - rendered with autoescape


def stored_part(key: tuple, render: Callable[[PartStore], str], values: dict[str, str]) -> Markup:
    """A part that depends on ``key`` (which must hold everything it shows but the form token and
    ``values``), on this request's form token and on ``values``: rendered once per process by
    ``render(store)`` with ``store.token`` in place of the form token and ``store.blank(name)`` in place
    of each value, then given this request's token and values, escaped as the rendering escapes them."""
    store: PartStore = current_app.extensions[_STORE]
    part = store.get(key, lambda: render(store)).replace(store.token, generate_csrf())
    for name, value in values.items():
        part = part.replace(store.blank(name), str(escape(value)))
    return Markup(part)  # noqa: S704 - rendered with autoescape, the values escaped


def _header_key(minimal: bool) -> tuple:
    endpoint = request.endpoint or ""
    searched = request.args.get("q", "") if endpoint.endswith("search") and endpoint not in _SEARCH_PAGES else ""
    return ("header", str(get_locale() or ""), endpoint, searched, request.script_root, minimal,
            None if minimal else _account())


def _account() -> tuple | None:
    """What the header shows of the signed-in user: the address and the links their role reaches."""
    if not current_user.is_authenticated:
        return None
    return (current_user.email, *(current_user.has_role(role) for role in _MENU_ROLES))
