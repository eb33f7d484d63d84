"""Information pages and the language switch."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for

from kb.views.catalog.blueprint import bp
from kb.web.i18n import LANG_SESSION_KEY
from kb.web.safe_redirect import safe_next

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
    return safe_next(target, url_for("catalog.index"))


@bp.post("/sprache")
def switch_language():
    """Remember the chosen language and go back to the page the visitor came from."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["KB_LANGUAGES"]:
        session[LANG_SESSION_KEY] = lang
    return redirect(safe_return_path(request.form.get("next")), 303)
