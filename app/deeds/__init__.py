"""The deeds blueprint."""

from flask import Blueprint

bp = Blueprint("deeds", __name__)

from app.deeds import routes  # noqa: E402,F401  (routes attach themselves to bp)
