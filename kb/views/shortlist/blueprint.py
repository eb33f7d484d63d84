"""The Merkliste and compare blueprint object."""

from flask import Blueprint

bp = Blueprint("shortlist", __name__)
