"""Limits on password guessing: per username + IP, and a looser one per IP alone.

All tablets of a workplace share one IP address, so a limit per IP alone would lock out a whole
kitchen after one person's typos; the tight limit is keyed on username and IP together.
Only failed attempts count (they answer 400), so a shared tablet can log in all day.
"""

from collections.abc import Callable

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.extensions import limiter


def username_and_ip() -> str:
    """Key a login attempt on the IP address and the (normalised) username typed."""
    username = request.form.get("username", "").strip().lower()[:64]
    return f"{get_remote_address()}|{username}"


def user_and_ip() -> str:
    """Key a password re-entry on the IP address and the logged-in user."""
    user_id = current_user.get_id() if current_user.is_authenticated else ""
    return f"{get_remote_address()}|user:{user_id}"


def failed_attempt(response: Response) -> bool:
    """A wrong password answers 400; only those count against the limit."""
    return response.status_code == 400


def _password_limits(key_func: Callable[[], str]) -> Callable[[Callable], Callable]:
    """Both limits for a view that checks a password, counting failed POSTs only."""
    per_user = limiter.limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT"],
        key_func=key_func,
        methods=["POST"],
        deduct_when=failed_attempt,
        scope="password",
    )
    per_ip = limiter.limit(
        lambda: current_app.config["LOGIN_IP_RATE_LIMIT"],
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=failed_attempt,
        scope="password-ip",
    )
    return lambda view: per_user(per_ip(view))


login_limits = _password_limits(username_and_ip)
reauth_limits = _password_limits(user_and_ip)
