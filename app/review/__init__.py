"""The review blueprint: supervisors and admins hide and unhide deeds."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from app.review import routes  # noqa: E402,F401  (routes attach themselves to bp)
