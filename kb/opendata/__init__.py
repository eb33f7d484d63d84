"""The opendata blueprint."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)
