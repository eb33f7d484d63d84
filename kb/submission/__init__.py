"""The submission blueprint."""

from flask import Blueprint

bp = Blueprint("submission", __name__)
