"""German first, English second: locale selection and formatting (Flask-Babel)."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session

from kb.extensions import babel

LANG_SESSION_KEY = "lang"


def select_locale() -> str:
    """Use the visitor's explicit choice, else Accept-Language, else German."""
    languages = current_app.config["KB_LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(LANG_SESSION_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (the catalogues: ``BABEL_TRANSLATION_DIRECTORIES`` of config.py)."""
    babel.init_app(app, locale_selector=select_locale)
