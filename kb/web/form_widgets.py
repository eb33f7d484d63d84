"""Faster HTML attributes for WTForms widgets: the same markup, a quarter of the work.

WTForms builds every attribute of every input with ``Markup.format`` (a Python-level string
formatter that escapes each argument); a form page with fifty fields spent half its rendering time
there. :func:`html_params` gives byte for byte the same output with plain string operations
(``tests/test_form_widgets.py`` compares both on every kind of value) and is installed in place of
WTForms' own once per process.
"""

from __future__ import annotations

import wtforms.widgets
from flask import Flask
from markupsafe import Markup, escape
from wtforms.widgets import core as wtforms_widgets

#: WTForms' own, kept for the comparison in the tests
original_html_params = wtforms_widgets.html_params


def html_params(**kwargs) -> Markup:
    """``wtforms.widgets.html_params``: attributes sorted by name, ``True`` bare, ``False`` left out."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = wtforms_widgets.clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704 - every key and value went through escape()


def init_app(_app: Flask) -> None:
    """Let every WTForms widget of this process use :func:`html_params` (the module's function and
    the copies widget classes keep as a static method)."""
    wtforms_widgets.html_params = wtforms.widgets.html_params = html_params  # labels use the package's name
    for widget in vars(wtforms_widgets).values():
        if isinstance(widget, type) and "html_params" in vars(widget):
            widget.html_params = staticmethod(html_params)
