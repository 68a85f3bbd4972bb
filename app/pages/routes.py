"""Short pages for staff."""

from flask import current_app, render_template

from app.pages import bp


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
