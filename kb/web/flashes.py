"""Flash messages: a few distinct ones wait in the session, the newest."""

from __future__ import annotations

from flask import Flask, Response, session

#: messages waiting in a session at most (the newest; a repeated message counts once)
MAX_WAITING = 5


def init_app(app: Flask) -> None:
    """Trim the waiting messages after every request."""
    app.after_request(keep_the_newest)


def keep_the_newest(response: Response) -> Response:
    """Keep the newest distinct messages only: a client that never opens the page a form sends it on
    to (a script posting forms) would carry every message in its session cookie – read, checked and
    signed again on each request, and shown all at once, the same text many times over."""
    if "_flashes" not in session:  # ``in`` does not mark the session as read (no ``Vary: Cookie``)
        return response
    waiting = session["_flashes"]
    kept: list = []
    for message in reversed(waiting):
        if message not in kept:
            kept.append(message)
        if len(kept) == MAX_WAITING:
            break
    if len(kept) != len(waiting):
        session["_flashes"] = kept[::-1]
    return response
