"""Route guards: a capability from the permission table, and a recently entered password."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from app.permissions import Capability, can

AUTH_AT = "auth_at"  # session key: when the password was last entered (Unix seconds)


def capability_required(capability: Capability) -> Callable:
    """Refuse the view (403) to users without the capability."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, capability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def second_factor_required(view: Callable) -> Callable:
    """Send the user to give (or first set up) their second factor before the view."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.second_factor:
            return redirect(url_for("account.two_factor_page"))
        return view(*args, **kwargs)

    return wrapped


def mark_password_entered() -> None:
    """Remember that the user just proved who they are with their password."""
    session[AUTH_AT] = int(time.time())


def login_is_recent() -> bool:
    """Tell whether the password was entered within RECENT_LOGIN_MINUTES."""
    entered = session.get(AUTH_AT)
    if not isinstance(entered, int):
        return False
    max_age = current_app.config["RECENT_LOGIN_MINUTES"] * 60
    return 0 <= time.time() - entered <= max_age


def recent_login_required(view: Callable) -> Callable:
    """Send the user to re-enter their password first when their login is not recent."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not login_is_recent():
            # Back to the same page with GET: a POST's form is not replayed after the password.
            return redirect(url_for("auth.reauth", next=request.path))
        return view(*args, **kwargs)

    return wrapped
