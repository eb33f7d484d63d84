"""Information pages and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for

from kb.catalog.blueprint import bp
from kb.i18n import LANG_SESSION_KEY

INFO_PAGES = {
    "about": "ueber",
    "data_sources": "datenquellen",
    "imprint": "impressum",
    "privacy": "datenschutz",
    "accessibility": "barrierefreiheit",
}


def _info_view(name: str):
    def view():
        return render_template(f"pages/{name}.html")

    view.__name__ = name
    return view


for _name, _path in INFO_PAGES.items():
    bp.add_url_rule(f"/{_path}", endpoint=_name, view_func=_info_view(_name))


def safe_return_path(target: str | None) -> str:
    """Return a same-site path to go back to, or the start page."""
    if not target:
        return url_for("catalog.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("catalog.index")
    return target


@bp.post("/sprache")
def switch_language():
    """Remember the chosen language and go back to the page the visitor came from."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["KB_LANGUAGES"]:
        session[LANG_SESSION_KEY] = lang
    return redirect(safe_return_path(request.form.get("next")), 303)
