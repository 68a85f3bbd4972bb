"""gunicorn settings for Tekotaulu: `gunicorn -c gunicorn.conf.py "app:create_app()"`.

Every value can be changed by an environment variable (GUNICORN_*) without editing this file.
A graceful restart (new code, same socket, requests in flight finish) is `kill -HUP <master pid>`.
"""

import datetime
import json
import os
import re

from gunicorn import glogging


def _int(name: str, default: int) -> int:
    """An integer from the environment, or the default."""
    return int(os.environ.get(name, default))


# Threads, not more processes: each worker caches rendered cards and image decoders, and a
# thread waiting on the database or S3 costs little. Photo decoding is bounded per worker.
cores = os.cpu_count() or 1
workers = _int("GUNICORN_WORKERS", cores)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Uploads are buffered by nginx (proxy_request_buffering on), so a request reaches a worker
# whole: 60 s is far above the slowest photo's processing and kills only a stuck worker.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then (jittered, so not all at once) to return memory fragments.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10

# Request-line and header limits: the app's URLs are short; nothing legitimate is near these.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190

# The proxy in front sets X-Forwarded-*; the app trusts them by TEKOTAULU_TRUSTED_PROXIES.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# gunicornc's control socket (gunicorn 25+) is one path per user by default: each server on a
# machine needs a path of its own, or the last one started takes the others' socket.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# A path segment this long is a secret (a projection link, a one-time link): never log it.
SECRET_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~]{20,}")


def redact(path: str) -> str:
    """The path with long token-like segments replaced, so access logs hold no secrets."""
    return "/".join(SECRET_SEGMENT.sub("…", part) for part in path.split("/"))


class StructuredLogger(glogging.Logger):
    """One JSON line per request: time, method, path (redacted), status, bytes, milliseconds."""

    def access(self, resp, req, environ, request_time):
        """Write the request's line (no query string: it may hold a cursor or a token)."""
        if not self.access_log_enabled:
            return
        line = {
            "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "remote": environ.get("REMOTE_ADDR", "-"),
            "method": environ.get("REQUEST_METHOD", "-"),
            "path": redact(environ.get("PATH_INFO", "")),
            "status": resp.status_code or int(str(resp.status).split()[0]),
            "bytes": getattr(resp, "sent", 0) or 0,
            "ms": round(request_time.total_seconds() * 1000, 1),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # noqa: BLE001 - a log line must never fail a request
            self.error("Failed to write the access log line")


logger_class = StructuredLogger
