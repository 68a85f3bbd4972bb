"""The account blueprint: one's own sessions, password and second factor."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from app.account import routes  # noqa: E402,F401  (routes attach themselves to bp)
