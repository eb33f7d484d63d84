"""The submission blueprint object."""

from flask import Blueprint

bp = Blueprint("submission", __name__)
