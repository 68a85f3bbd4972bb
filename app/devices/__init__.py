"""The devices blueprint: setting up shared tablets, listing and revoking them."""

from flask import Blueprint

bp = Blueprint("devices", __name__)

from app.devices import routes  # noqa: E402,F401  (routes attach themselves to bp)
