"""The pages blueprint: short texts for staff, such as the privacy notice."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from app.pages import routes  # noqa: E402,F401  (routes attach themselves to bp)
