"""The admin blueprint: users, erasure, data export and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The route modules attach themselves to bp: users and erasure, places, the staff import.
from app.admin import places, routes, staff_import  # noqa: E402,F401
