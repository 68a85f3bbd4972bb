"""Short pages for staff, and the service worker's code."""

from pathlib import Path

from flask import current_app, render_template

from app.pages import bp
from app.services import readiness


@bp.route("/privacy")
def privacy():
    """What is stored about staff and customers, who sees it, how long, how to ask for removal."""
    return render_template(
        "pages/privacy.html", retention_months=current_app.config["RETENTION_MONTHS"]
    )


@bp.route("/healthz")
def health():
    """Answer 'ok' without a login, for load balancers (and as the load benchmark's baseline)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/readyz")
def ready():
    """Answer 'ok' when the database and the storage work, else 503 naming the broken part.

    The names only (the details go to the log): the answer is public, for the proxy.
    """
    broken = readiness.problems()
    body, status = ("ok", 200) if not broken else ("unavailable: " + ", ".join(broken), 503)
    return body, status, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/sw.js")
def service_worker():
    """The service worker, from the root so that it may serve the deed form (no personal data)."""
    code = (Path(current_app.static_folder) / "js" / "sw.js").read_text(encoding="utf-8")
    return code, 200, {
        "Content-Type": "text/javascript; charset=utf-8",
        "Service-Worker-Allowed": "/",
        "Cache-Control": "no-cache",  # a new version is found at once
    }
