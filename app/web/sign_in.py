"""Starting and ending server-side sessions from a request, and the sign-in event log.

The log says who (the username typed or the user's), from which address, what happened and
when (the log record's time); never a password or a code.
"""

import logging
import time

from flask import flash, request, session
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from app.models import User
from app.services import sessions
from app.web import device as shared_device
from app.web.guards import mark_password_entered

auth_log = logging.getLogger("tekotaulu.auth")

PENDING = "pending_second_factor"  # cookie-session key while the second factor is asked
PENDING_SECONDS = 300

# (what the user agent says, how we name it), first match wins.
BROWSERS = (("Edg/", "Edge"), ("SamsungBrowser", "Samsung Internet"), ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("iPad", "iPad"), ("iPhone", "iPhone"), ("Android", "Android"),
           ("Windows", "Windows"), ("Mac OS X", "Mac"), ("CrOS", "Chromebook"),
           ("Linux", "Linux"))


def log_event(event: str, username: str) -> None:
    """Write a sign-in event: what, who and from where."""
    auth_log.info("auth %s user=%s ip=%s", event, username or "-", get_remote_address())


def describe_device(user_agent: str) -> str:
    """A short, readable name for a browser ("Chrome, Android") for the list of sessions."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    return ", ".join(part for part in (browser, system) if part) or user_agent[:60]


def clear_keeping_language() -> None:
    """Empty the cookie session; the interface language is not personal data and stays."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def begin(user: User, *, second_factor: bool = False, with_pin: bool = False) -> None:
    """Start a fresh server-side session for the user (no fixation, no remember-me cookie).

    On a set-up shared tablet the session is the tablet's: its idle minutes apply.
    """
    clear_keeping_language()
    device = describe_device(request.user_agent.string or "")
    tablet = shared_device.current()
    token = sessions.start(user.id, device, second_factor=second_factor,
                           device_id=tablet.id if tablet else None)
    viewer = sessions.resume(token).viewer
    login_user(viewer, remember=False)
    if not with_pin:  # a PIN is no password: pages that ask for a recent one still ask
        mark_password_entered()
    log_event("pin_login" if with_pin else "login", user.username)


def end() -> None:
    """End this browser's session on the server and forget the cookie's contents."""
    if current_user.is_authenticated:
        sessions.end(current_user.session_id)
        log_event("logout", current_user.username)
    logout_user()
    clear_keeping_language()


def hold_for_second_factor(user: User, next_url: str) -> None:
    """Remember, for a few minutes, who gave a right password and waits to give a code."""
    clear_keeping_language()
    session[PENDING] = {"user": user.id, "at": int(time.time()), "next": next_url}


def pending_second_factor() -> dict | None:
    """Who is between password and code, if they still are."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if time.time() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return pending


def end_after_post() -> bool:
    """On a shared tablet set to do so, sign the poster out once the deed is on the board."""
    tablet = shared_device.current()
    if tablet is None or not tablet.logout_after_post or current_user.device_id != tablet.id:
        return False
    end()
    flash(_("Teko on taululla. Sinut kirjattiin ulos."), "success")
    return True


def forget_cached_shell(response):
    """After signing out: the cached app shell holds the user's name and form token.

    "storage" would also wipe the outbox, whose deeds belong to their makers and wait for them
    to sign in again.
    """
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
