"""What the blueprints share: parameters, the one deed card, photo delivery, answers, errors."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the login gate, headers, template helpers, error pages and the card cache."""
    from app.web import cards, device, errors, security, templating

    security.init_app(app)
    device.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cards.init_app(app)
