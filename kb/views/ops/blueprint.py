"""The operations blueprint object: /healthz."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
