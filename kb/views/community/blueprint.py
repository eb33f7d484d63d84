"""The community blueprint object: contact, referents, follows, needs, Mitmachen."""

from flask import Blueprint

bp = Blueprint("community", __name__)
