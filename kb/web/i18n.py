"""German first, English second: locale selection and formatting (Flask-Babel)."""

from __future__ import annotations

import weakref
from functools import lru_cache

from babel import Locale
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup

from kb.extensions import babel
from kb.web.i18n_catalogs import ensure_compiled

LANG_SESSION_KEY = "lang"


def select_locale() -> Locale:
    """Use the visitor's explicit choice, else Accept-Language, else German."""
    languages = current_app.config["KB_LANGUAGES"]
    if not has_request_context():
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get(LANG_SESSION_KEY)
    if chosen in languages:
        return _locale(chosen)
    return _locale(request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    """One ``Locale`` per language and process: Flask-Babel parses a code the selector returns on
    every request (a new object and a look at the locale data files); a ``Locale`` it takes as it is."""
    return Locale.parse(code)


def init_app(app: Flask) -> None:
    """Start Flask-Babel on compiled catalogues (compiled now, or refused in production:
    kb.web.i18n_catalogs); templates translate through :func:`translations`, ``_()`` through
    :func:`template_gettext` (registered with the other template helpers, kb.web.templating)."""
    ensure_compiled(app.config)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


_messages: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
MAX_REMEMBERED_MESSAGES = 5000


@pass_context
def template_gettext(context, string: str, **variables):
    """``_()`` and ``{% trans %}`` in templates: Jinja's newstyle gettext (translated, escaped as
    Markup under autoescape, always %-formatted), with a message without variables remembered per
    catalogue – a page translates about a hundred, mostly the same ones on every page."""
    current = translations()
    autoescape = context.eval_ctx.autoescape
    if variables:
        return _translated(current, string, autoescape) % variables
    memo = _messages.get(current)
    if memo is None:
        memo = _messages[current] = {}
    found = memo.get((string, autoescape))
    if found is None:
        found = _translated(current, string, autoescape) % {}
        if len(memo) < MAX_REMEMBERED_MESSAGES:  # a template translating data must not grow it
            memo[(string, autoescape)] = found
    return found


def _translated(current, string: str, autoescape: bool):
    text = current.ugettext(string)
    return Markup(text) if autoescape else text  # noqa: S704 - the catalogues are ours, as in Jinja's i18n


def translations():
    """Flask-Babel's translations for the current locale, looked up once per request and locale.

    Flask-Babel resolves the app, the domain and the locale again for every message (a page has
    about a hundred); this keeps the answer beside the locale it belongs to, so ``force_locale``
    and ``refresh`` (a new locale object) are followed.
    """
    state = _babel_state()
    locale = getattr(state, "babel_locale", None)
    known = getattr(state, "kb_translations", None)
    if known is not None and known[0] is locale and locale is not None:
        return known[1]
    found = get_translations()
    state = _babel_state()
    if state is not None:
        state.kb_translations = (getattr(state, "babel_locale", None), found)
    return found


def _babel_state():
    """Flask-Babel's state of the current context (``g._flask_babel``), through the ``g`` proxy once."""
    return g._get_current_object().get("_flask_babel") if has_app_context() else None


_labels: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def label(table: dict, value) -> str:
    """``labels.label``, remembered per language: a label's translation never changes at run time."""
    key = getattr(value, "value", value)
    found = table.get(key, key)
    if not isinstance(found, LazyString):
        return str(found)
    current = translations()
    memo = _labels.get(current)
    if memo is None:
        memo = _labels[current] = {}
    text = memo.get((id(table), key))
    if text is None:
        text = memo[(id(table), key)] = str(found)
    return text
