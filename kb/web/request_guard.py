"""Refuse requests carrying NUL characters (``%00``, ``\\u0000``) before any view runs.

No text in Praxisatlas may contain NUL, and PostgreSQL cannot even compare a value holding one:
without this guard ``/cases/abc%00`` or a login with ``%00`` in the address would end in a
server error there. The answer is 400 (JSON under ``/api``), nothing is read or written.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l

MESSAGE = _l("Die Anfrage enthält ein unzulässiges Steuerzeichen (NUL).")


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul():
        if _has_nul():
            from kb.web.errors import error_response

            return error_response(400, str(MESSAGE), code="invalid_character")
        return None


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    for values in (request.args, request.form if request.method != "GET" else {}):
        for key, value in values.items(multi=True) if values else ():
            if "\x00" in key or "\x00" in value:
                return True
    if request.is_json:
        body = request.get_data(cache=True)
        return b"\\u0000" in body or b"\x00" in body
    return False
