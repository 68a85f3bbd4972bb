"""Settings: fixed ones in Config, and one table of those the environment may set.

create_app() reads the environment through SETTINGS when it runs (never at import), so a process
or test that changes os.environ first gets what it set. Precedence, lowest first: the table's
defaults, environment variables, instance/config.py, the mapping a test passes to create_app.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytz

ENV_PREFIX = "TEKOTAULU_"
ROLE_NAMES = ("employee", "supervisor", "leader", "admin")  # app.models.Role's values
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# An empty switch has always meant off; anything unrecognised is a mistake worth stopping for.
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
# (old, new) names read before one name per setting; still set, they would silently do nothing.
HOST_NAME = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
RETIRED_NAMES = (("SECRET_KEY", "TEKOTAULU_SECRET_KEY"), ("TEKOTAULU_DATABASE_URL", "DATABASE_URL"))


class ConfigError(ValueError):
    """An environment variable holds a value its setting cannot use."""


def text(raw: str) -> str:
    """Any text, as given."""
    return raw


def text_or_none(raw: str) -> str | None:
    """Text, or None when empty so that boto3 picks its own default."""
    return raw or None


def whole_number(raw: str) -> int:
    """A whole number such as 25."""
    try:
        return int(raw)
    except ValueError:
        raise ValueError("expected a whole number, e.g. 25") from None


def count(raw: str) -> int:
    """A whole number of at least 1 (a time limit of 0 or less would make no sense)."""
    number = whole_number(raw)
    if number < 1:
        raise ValueError("expected a whole number of 1 or more")
    return number


def switch(raw: str) -> bool:
    """On (1, true, yes, on) or off (0, false, no, off)."""
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("expected 1 or 0 (or true/false, yes/no, on/off)")


def megabytes(raw: str) -> int:
    """A size given in MB, kept in bytes (what Flask's MAX_CONTENT_LENGTH counts)."""
    return whole_number(raw) * 1024 * 1024


def rendition_sizes(raw: str) -> tuple[tuple[str, int], ...]:
    """Parse 'large:1920,medium:960' into ((name, long side), ...)."""
    try:
        pairs = (item.split(":") for item in raw.split(",") if item.strip())
        sizes = tuple((name.strip(), int(size)) for name, size in pairs)
    except ValueError:
        sizes = ()
    if not sizes:
        raise ValueError("expected name:pixels pairs, e.g. large:1920,medium:960")
    return sizes


def roles(raw: str) -> frozenset[str]:
    """Role names separated by commas, e.g. admin,supervisor (empty: none)."""
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    unknown = names - set(ROLE_NAMES)
    if unknown:
        raise ValueError(f"expected role names ({', '.join(ROLE_NAMES)}), not {sorted(unknown)}")
    return names


def host_names(raw: str) -> list[str] | None:
    """Comma-separated host names ('.example.fi' takes its subdomains too); None when empty."""
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    if any(not HOST_NAME.fullmatch(name) for name in names):
        raise ValueError("expected host names without scheme or port, e.g. tekotaulu.example.fi")
    return names or None


def timezone_name(raw: str) -> str:
    """A timezone name pytz knows, checked here because flask-babel looks it up per request."""
    try:
        pytz.timezone(raw)
    except pytz.UnknownTimeZoneError:
        raise ValueError("expected a timezone name, e.g. Europe/Helsinki") from None
    return raw


PHOTO_DELIVERIES = ("app", "nginx", "presigned")


def photo_delivery(raw: str) -> str:
    """How photo bytes reach the browser: one of PHOTO_DELIVERIES."""
    value = raw.strip().lower()
    if value not in PHOTO_DELIVERIES:
        raise ValueError("expected one of " + ", ".join(PHOTO_DELIVERIES))
    return value


def url_path_prefix(raw: str) -> str:
    """A URL path that starts and ends with a slash, e.g. /_photos/."""
    value = raw.strip()
    if not (value.startswith("/") and value.endswith("/")) or "//" in value or " " in value:
        raise ValueError("expected a path that starts and ends with /, e.g. /_photos/")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting the environment may set: where it goes, its default and what it means."""

    key: str  # the app.config key, which instance/config.py and test mappings set
    env: str
    default: str  # written as in the environment, so the default goes through the same parser
    parse: Callable[[str], Any]
    meaning: str
    shown_default: str = ""  # for a default that create_app fills in from the instance folder

    @property
    def documented_default(self) -> str:
        """The default as the README shows it ('–' when there is none)."""
        return self.shown_default or self.default or "–"


# The single source of truth for environment settings; README's table is checked against it.
SETTINGS: tuple[Setting, ...] = (
    Setting("SQLALCHEMY_DATABASE_URI", "DATABASE_URL", "", text,
            "SQLAlchemy URL", shown_default="sqlite:///instance/app.db"),
    Setting("SECRET_KEY", "TEKOTAULU_SECRET_KEY", "", text,
            "session signing key", shown_default="random, kept in instance/secret_key"),
    Setting("STORAGE_BACKEND", "TEKOTAULU_STORAGE_BACKEND", "local", text,
            "where photos are stored: local or s3"),
    Setting("UPLOAD_FOLDER", "TEKOTAULU_UPLOAD_FOLDER", "", text,
            "folder for local files", shown_default="instance/uploads"),
    Setting("S3_BUCKET", "TEKOTAULU_S3_BUCKET", "", text, "S3 bucket"),
    Setting("PHOTO_DELIVERY", "TEKOTAULU_PHOTO_DELIVERY", "app", photo_delivery,
            "how photo bytes reach the browser after the login check: app, nginx or presigned"),
    Setting("PHOTO_ACCEL_PREFIX", "TEKOTAULU_PHOTO_ACCEL_PREFIX", "/_photos/", url_path_prefix,
            "nginx's internal location for photos (with PHOTO_DELIVERY=nginx)"),
    Setting("PHOTO_URL_SECONDS", "TEKOTAULU_PHOTO_URL_SECONDS", "300", count,
            "how long a presigned photo URL works (with PHOTO_DELIVERY=presigned)"),
    Setting("S3_PREFIX", "TEKOTAULU_S3_PREFIX", "", text, "key prefix inside the bucket"),
    Setting("S3_ENDPOINT_URL", "TEKOTAULU_S3_ENDPOINT_URL", "", text_or_none,
            "endpoint of S3-compatible storage other than AWS"),
    Setting("S3_REGION", "TEKOTAULU_S3_REGION", "", text_or_none, "S3 region"),
    Setting("MAX_CONTENT_LENGTH", "TEKOTAULU_MAX_UPLOAD_MB", "25", megabytes,
            "largest request body in MB"),
    Setting("MAX_IMAGE_PIXELS", "TEKOTAULU_MAX_IMAGE_PIXELS", "50000000", whole_number,
            "larger images are refused"),
    # Each large decode may take up to app.images.DECODE_BUDGET (180 MB); smaller ones never wait.
    Setting("IMAGE_DECODE_SLOTS", "TEKOTAULU_IMAGE_DECODE_SLOTS", "2", count,
            "large photos decoded at once per worker (the others wait)"),
    Setting("RENDITION_SIZES", "TEKOTAULU_RENDITION_SIZES",
            "large:1920,medium:960,small:480,thumb:360", rendition_sizes,
            "stored sizes, name:long side in px"),
    Setting("RENDITION_QUALITY", "TEKOTAULU_RENDITION_QUALITY", "80", whole_number,
            "WebP quality"),
    Setting("RENDITION_AVIF", "TEKOTAULU_RENDITION_AVIF", "0", switch,
            "store AVIF instead of WebP"),
    Setting("KEEP_ORIGINAL", "TEKOTAULU_KEEP_ORIGINAL", "0", switch,
            "also keep a full-size copy without metadata"),
    # Cards never ask for more than this width: a phone at 3x would otherwise fetch the largest.
    Setting("CARD_MAX_WIDTH", "TEKOTAULU_CARD_MAX_WIDTH", "960", whole_number,
            "widest image a card offers, px"),
    Setting("BOARD_PAGE_SIZE", "TEKOTAULU_BOARD_PAGE_SIZE", "24", whole_number,
            "cards per page"),
    Setting("BABEL_DEFAULT_TIMEZONE", "TEKOTAULU_TIMEZONE", "Europe/Helsinki", timezone_name,
            "timezone dates and times are shown in"),
    Setting("SESSION_COOKIE_SECURE", "TEKOTAULU_SECURE_COOKIES", "1", switch,
            "https-only session cookie"),
    Setting("RATELIMIT_STORAGE_URI", "TEKOTAULU_RATELIMIT_STORAGE_URI", "memory://", text,
            "where login-attempt counters live"),
    # Failed logins per username + IP (a workplace's tablets share one IP), and per IP alone.
    Setting("LOGIN_RATE_LIMIT", "TEKOTAULU_LOGIN_RATE_LIMIT", "5/minute;20/hour", text,
            "failed logins allowed per username + IP"),
    Setting("LOGIN_IP_RATE_LIMIT", "TEKOTAULU_LOGIN_IP_RATE_LIMIT", "100/hour", text,
            "failed logins allowed per IP"),
    Setting("RATELIMIT_ENABLED", "TEKOTAULU_RATELIMIT_ENABLED", "1", switch,
            "login rate limits on"),
    Setting("RECENT_LOGIN_MINUTES", "TEKOTAULU_RECENT_LOGIN_MINUTES", "15", count,
            "admin pages ask for the password again after this long"),
    Setting("SESSION_IDLE_MINUTES", "TEKOTAULU_SESSION_IDLE_MINUTES", "30", count,
            "a session ends after this long without a request"),
    Setting("SESSION_MAX_HOURS", "TEKOTAULU_SESSION_MAX_HOURS", "12", count,
            "a session ends this long after login, used or not"),
    Setting("DEVICE_SESSION_MAX_HOURS", "TEKOTAULU_DEVICE_SESSION_MAX_HOURS", "8", count,
            "on a shared tablet a session ends this long after login"),
    # Wrong PINs per tablet, on top of the per-user limit (LOGIN_RATE_LIMIT) and lock.
    Setting("PIN_DEVICE_RATE_LIMIT", "TEKOTAULU_PIN_DEVICE_RATE_LIMIT", "10/minute;30/hour", text,
            "failed PIN sign-ins allowed per shared tablet"),
    Setting("TWO_FACTOR_ROLES", "TEKOTAULU_TWO_FACTOR_ROLES", "admin", roles,
            "roles that must use an authenticator app as a second factor"),
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0 = none trusted).
    Setting("TRUSTED_PROXIES", "TEKOTAULU_TRUSTED_PROXIES", "0", whole_number,
            "reverse proxies whose X-Forwarded-* headers are trusted"),
    # Flask refuses (400) a request whose Host is not one of these; empty answers any host.
    Setting("TRUSTED_HOSTS", "TEKOTAULU_TRUSTED_HOSTS", "", host_names,
            "host names the app answers to"),
    Setting("RETENTION_MONTHS", "TEKOTAULU_RETENTION_MONTHS", "24", whole_number,
            "`flask retention run` deletes deeds older than this"),
    Setting("ORPHAN_GRACE_MINUTES", "TEKOTAULU_ORPHAN_GRACE_MINUTES", "60", count,
            "`flask storage check --fix` deletes only orphan files older than this"),
    Setting("KEPT_PHOTO_MINUTES", "TEKOTAULU_KEPT_PHOTO_MINUTES", "30", count,
            "how long a refused form's photo is kept for the next try"),
)


class Config:
    """Settings no environment variable changes (the environment ones are in SETTINGS)."""

    MAX_FORM_PARTS = 100
    DESCRIPTION_MAX = 500

    BABEL_DEFAULT_LOCALE = "fi"
    LANGUAGES = ("fi", "sv", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Fixed windows count atomically (one increment) and can give a count back (see ratelimit).
    RATELIMIT_STRATEGY = "fixed-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    # Text is compressed by the app (brotli or gzip); photos are already compressed WebP.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    # Pages are compressed anew on every request: brotli 1 costs a quarter of the default 4's
    # CPU for about 10 % more bytes (8.2 kB instead of 7.5 kB for a 24-card board, 48 kB raw).
    COMPRESS_BR_LEVEL = 1
    COMPRESS_STREAMS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # Tests only: every shared tablet's idle time in seconds instead of its minutes.
    DEVICE_IDLE_SECONDS: int | None = None


def defaults() -> dict[str, Any]:
    """Every table setting at its default."""
    return {setting.key: setting.parse(setting.default) for setting in SETTINGS}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The table settings whose variable environ sets, parsed; ConfigError names each bad one."""
    values: dict[str, Any] = {}
    problems = []
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None:
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as error:
            problems.append(f"{setting.env}={raw!r}: {error}")
    if problems:
        raise ConfigError("cannot start with this environment: " + "; ".join(problems))
    return values


def retired_names_in(environ: Mapping[str, str]) -> list[str]:
    """A warning for each retired variable that is set but no longer read."""
    return [
        f"{old} is no longer read; set {new} instead"
        for old, new in RETIRED_NAMES
        if old in environ and new not in environ
    ]
