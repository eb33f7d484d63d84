"""The adoption blueprint object ("Wir nutzen das auch")."""

from flask import Blueprint

bp = Blueprint("adoption", __name__)
