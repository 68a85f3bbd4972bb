"""The admin blueprint: users, erasure, data export and the audit log."""

from flask import Blueprint, url_for

bp = Blueprint("admin", __name__, url_prefix="/admin")


def welcome_url(token: str) -> str:
    """The absolute address of a one-time link's welcome page (the one place that builds it)."""
    return url_for("auth.welcome", token=token, _external=True)

# The route modules attach themselves to bp: users and erasure, places, the staff import.
from app.admin import places, routes, staff_import  # noqa: E402,F401
