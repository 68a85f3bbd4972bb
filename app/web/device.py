"""This browser's shared-tablet cookie: long-lived, HttpOnly, signed, holding a random token.

The server knows each tablet (app.services.devices); a cookie whose tablet was revoked, or whose
signature does not hold, is ignored and deleted.
"""

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

from app.services import devices

COOKIE_DAYS = 400  # the longest a browser keeps a cookie (Chrome caps Max-Age at 400 days)
SALT = "tekotaulu-device"
TOKEN_MAX = 200


def cookie_name() -> str:
    """Over https the cookie is __Host-, like the session's: no subdomain can set it."""
    return "__Host-device" if current_app.config["SESSION_COOKIE_SECURE"] else "device"


def _serializer() -> URLSafeSerializer:
    """Signs the token with the app's secret, so a forged cookie is never even looked up."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def current() -> devices.DeviceInfo | None:
    """The set-up tablet this request comes from, or None (once per request)."""
    if "device" not in g:
        g.device = _from_cookie()
    return g.device


def _from_cookie() -> devices.DeviceInfo | None:
    """Read and check the cookie; mark a stale one for deletion."""
    raw = request.cookies.get(cookie_name())
    if not raw or len(raw) > TOKEN_MAX:
        return None
    try:
        token = _serializer().loads(raw)
    except BadSignature:
        token = None
    found = devices.find(token) if isinstance(token, str) else None
    if found is None:
        g.forget_device = True
    return found


def remember(response: Response, token: str) -> None:
    """Keep the tablet's token in this browser."""
    response.set_cookie(
        cookie_name(), _serializer().dumps(token), max_age=COOKIE_DAYS * 86400, path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )


def forget(response: Response) -> Response:
    """Delete the tablet cookie from this browser."""
    response.delete_cookie(
        cookie_name(), path="/", secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True, samesite="Lax",
    )
    return response


def forget_stale_cookie(response: Response) -> Response:
    """A revoked or forged tablet cookie goes with the answer to the request that sent it."""
    return forget(response) if g.get("forget_device") else response


def init_app(app: Flask) -> None:
    """Delete stale tablet cookies and give templates the tablet."""
    app.after_request(forget_stale_cookie)
    app.context_processor(lambda: {"shared_device": current()})
