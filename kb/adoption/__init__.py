"""The adoption blueprint."""

from flask import Blueprint

bp = Blueprint("adoption", __name__)
