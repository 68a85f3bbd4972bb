"""Settings: defaults here, overridden by environment variables or instance/config.py."""

import os
from typing import Any

ENV_PREFIX = "TEKOTAULU_"


def _env(name: str, default: Any) -> Any:
    """Read TEKOTAULU_<name> from the environment, cast to the type of the default."""
    raw = os.environ.get(ENV_PREFIX + name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def _rendition_sizes(raw: str) -> tuple[tuple[str, int], ...]:
    """Parse 'large:1920,medium:960' into ((name, long side), ...)."""
    pairs = (item.split(":") for item in raw.split(",") if item.strip())
    return tuple((name.strip(), int(size)) for name, size in pairs)


class Config:
    """Defaults for an embedded single-machine install (SQLite + local files)."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or _env("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _env("DATABASE_URL", "")
    STORAGE_BACKEND = _env("STORAGE_BACKEND", "local")
    UPLOAD_FOLDER = _env("UPLOAD_FOLDER", "")
    S3_BUCKET = _env("S3_BUCKET", "")
    S3_PREFIX = _env("S3_PREFIX", "")
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL", "") or None
    S3_REGION = _env("S3_REGION", "") or None

    MAX_CONTENT_LENGTH = _env("MAX_UPLOAD_MB", 25) * 1024 * 1024
    MAX_FORM_PARTS = 100
    MAX_IMAGE_PIXELS = _env("MAX_IMAGE_PIXELS", 50_000_000)
    RENDITION_SIZES = _rendition_sizes(
        _env("RENDITION_SIZES", "large:1920,medium:960,small:480,thumb:360")
    )
    RENDITION_QUALITY = _env("RENDITION_QUALITY", 80)
    RENDITION_AVIF = _env("RENDITION_AVIF", False)
    KEEP_ORIGINAL = _env("KEEP_ORIGINAL", False)

    # Cards never ask for more than this width: a phone at 3x would otherwise fetch the largest.
    CARD_MAX_WIDTH = _env("CARD_MAX_WIDTH", 960)
    BOARD_PAGE_SIZE = _env("BOARD_PAGE_SIZE", 24)
    DESCRIPTION_MAX = 500

    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Europe/Helsinki")
    LANGUAGES = ("fi", "sv", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("SECURE_COOKIES", True)
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Admin pages ask for the password again when the last login is older than this.
    RECENT_LOGIN_MINUTES = _env("RECENT_LOGIN_MINUTES", 15)
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0 = none trusted).
    TRUSTED_PROXIES = _env("TRUSTED_PROXIES", 0)

    # Failed logins per username + IP (a workplace's tablets share one IP), and per IP alone.
    RATELIMIT_ENABLED = _env("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "5/minute;20/hour")
    LOGIN_IP_RATE_LIMIT = _env("LOGIN_IP_RATE_LIMIT", "100/hour")

    # Deeds older than this many months are deleted by `flask retention run`.
    RETENTION_MONTHS = _env("RETENTION_MONTHS", 24)
    # Text is compressed by the app (brotli or gzip); photos are already compressed WebP.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_STREAMS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
