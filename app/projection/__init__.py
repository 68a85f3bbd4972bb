"""The projection blueprint: the wall and slideshow, their live data, spotlight and links."""

from flask import Blueprint

bp = Blueprint("projection", __name__)

from app.projection import routes  # noqa: E402,F401  (routes attach themselves to bp)
