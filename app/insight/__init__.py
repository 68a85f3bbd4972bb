"""The insight blueprint: statistics of the deeds and a printable report, in counts."""

from flask import Blueprint

bp = Blueprint("insight", __name__)

from app.insight import routes  # noqa: E402,F401  (routes attach themselves to bp)
