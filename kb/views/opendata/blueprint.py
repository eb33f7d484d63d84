"""The open-data blueprint object: /daten, downloads, feeds, publiccode.yml per case."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)
