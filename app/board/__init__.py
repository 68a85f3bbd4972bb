"""The board blueprint."""

from flask import Blueprint

bp = Blueprint("board", __name__)

from app.board import routes  # noqa: E402,F401  (routes attach themselves to bp)
