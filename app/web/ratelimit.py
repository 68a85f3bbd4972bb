"""Limits on password guessing: per username + IP, and a looser one per IP alone.

All tablets of a workplace share one IP address, so a limit per IP alone would lock out a whole
kitchen after one person's typos; the tight limit is keyed on username and IP together.

Each attempt is counted before the password is checked, atomically in the limiter's storage
(memory, or Redis shared by every worker and server), so N simultaneous requests check at most
the limit; a correct password gives its count back, so a shared tablet can log in all day.
"""

import math
import time
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from app.extensions import limiter
from app.web.errors import refuse

SCOPE = "password"


@dataclass
class PasswordAttempt:
    """One counted password check; refund() gives the counts back after a correct password."""

    hits: list[tuple[RateLimitItem, str]] = field(default_factory=list)

    def refund(self) -> None:
        """Take this attempt off every counter it was added to."""
        for item, key in self.hits:
            limiter.limiter.hit(item, SCOPE, key, cost=-1)
        self.hits = []


def password_attempt(who: str) -> PasswordAttempt:
    """Count a password check for `who` (a username, or user:<id>) and this IP; 429 when over."""
    attempt = PasswordAttempt()
    if not current_app.config["RATELIMIT_ENABLED"]:
        return attempt
    ip = get_remote_address()
    # The prefix keeps apps (or test runs) that share one Redis apart.
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    config = current_app.config
    limits = [(item, f"{prefix}|{ip}|{who}") for item in parse_many(config["LOGIN_RATE_LIMIT"])]
    limits += [(item, f"{prefix}|{ip}") for item in parse_many(config["LOGIN_IP_RATE_LIMIT"])]
    if not count_all(limits, attempt):
        current_app.logger.warning("auth lockout user=%s ip=%s", who, ip)
        refuse_for(limits)
    return attempt


def count_all(limits: list[tuple[RateLimitItem, str]], attempt: PasswordAttempt) -> bool:
    """Add one to every counter (all of them, even past one that is full); tell if all held."""
    allowed = True
    for item, key in limits:
        allowed = limiter.limiter.hit(item, SCOPE, key) and allowed
        attempt.hits.append((item, key))
    return allowed


def pin_attempt(who: str, device_id: int) -> PasswordAttempt:
    """Count a PIN check for `who` (as passwords are counted, per user) and for the tablet."""
    attempt = PasswordAttempt()
    if not current_app.config["RATELIMIT_ENABLED"]:
        return attempt
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    config = current_app.config
    limits = [(item, f"{prefix}|pin|{who}") for item in parse_many(config["LOGIN_RATE_LIMIT"])]
    limits += [(item, f"{prefix}|device|{device_id}")
               for item in parse_many(config["PIN_DEVICE_RATE_LIMIT"])]
    if not count_all(limits, attempt):
        current_app.logger.warning("auth pin lockout user=%s device=%s", who, device_id)
        refuse_for(limits)
    return attempt


def refuse_for(limits: list[tuple[RateLimitItem, str]]) -> None:
    """Answer 429, saying in words and in Retry-After when the longest exceeded limit lets go."""
    waits = [
        stats.reset_time - time.time()
        for item, key in limits
        if (stats := limiter.limiter.get_window_stats(item, SCOPE, key)).remaining <= 0
    ]
    seconds = max(1, math.ceil(max(waits, default=60)))
    refuse(429, wait_message(seconds), retry_after=seconds)


def wait_message(seconds: int) -> str:
    """Say when to try again, in whole minutes rounded up (a person waits, not a script)."""
    return ngettext(
        "Liian monta yritystä. Yritä uudelleen noin %(num)s minuutin kuluttua.",
        "Liian monta yritystä. Yritä uudelleen noin %(num)s minuutin kuluttua.",
        math.ceil(seconds / 60),
    )
