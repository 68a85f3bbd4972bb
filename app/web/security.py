"""The login gate in front of every route, and the security headers on every response."""

from urllib.parse import urlsplit

from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.extensions import login_manager
from app.services import sessions
from app.storage import current_storage
from app.web.errors import refuse
from app.web.forms import malformed

# Endpoints reachable without a login; everything else, photos included, needs one.
# The projection link's pages check their signed, expiring link instead.
PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "auth.pin_login", "auth.second_factor", "auth.setup", "static",
     "auth.set_language", "pages.health", "pages.ready", "pages.privacy", "projection.link_show",
     "projection.link_live", "projection.link_qr", "projection.link_photo", "pages.service_worker",
     "auth.welcome"}
)
# What a person may still reach while the app waits for a new password or a second factor.
ALWAYS_REACHABLE = PUBLIC_ENDPOINTS | {"auth.logout"}
SESSION_TOKEN_MAX = 64  # token_urlsafe(32) is 43 characters

MAX_DATABASE_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL's int4 ends here
PERMISSIONS_POLICY = "camera=(self), geolocation=(), microphone=(), payment=(), usb=()"
PRIVATE_TYPES = frozenset({"text/html", "application/json"})
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})

CSP = (
    "default-src 'self'; img-src 'self' data: blob:{photo_origin}; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def content_security_policy(app: Flask) -> str:
    """The CSP; photos sent as presigned redirects also load from the storage's own origin."""
    origin = ""
    if app.config.get("PHOTO_DELIVERY") == "presigned":
        with app.app_context():
            url = current_storage().presigned_url("photos/origin-probe.jpg", 60)  # made locally
        if url:
            parts = urlsplit(url)
            origin = f" {parts.scheme}://{parts.netloc}"
    return CSP.format(photo_origin=origin)


class DatabaseIdConverter(IntegerConverter):
    """<int:...> in URLs: a number beyond any database id matches no route (404, not a 500)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(url_map, *args, **kwargs)


class SafeRequest(Request):
    """A request whose JSON body cannot crash the app: nesting too deep is a 400 like bad JSON."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        """Parse the body as JSON; RecursionError (e.g. "[" x 100 000) counts as malformed."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            malformed()


def init_app(app: Flask) -> None:
    """Install the login gate, the user loader and the response headers."""
    app.request_class = SafeRequest
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    # First of all (before CSRF and the rate limits too): nothing else runs for a foreign host.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
    app.before_request(require_login)
    app.before_request(steer_to_required_step)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:  # the real client address and scheme, for rate limits, HSTS and Secure cookies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def load_user(token: str) -> sessions.Viewer | None:
    """The person behind the cookie's session token; nobody once the session has ended."""
    if not isinstance(token, str) or not 0 < len(token) <= SESSION_TOKEN_MAX:
        return None
    resumed = sessions.resume(token)
    g.session_expired = resumed.expired
    return resumed.viewer


def refuse_untrusted_host():
    """A Host outside TRUSTED_HOSTS (Flask found it untrusted): the 400 error page, never the
    page asked for nor a redirect to that host.

    Flask could not bind URLs to that host; the error page builds its (relative) links for the
    first trusted host instead, so no URL ever names the foreign one.
    """
    if not isinstance(request.routing_exception, SecurityError):
        return None
    trusted = current_app.config["TRUSTED_HOSTS"]
    current_app.logger.warning("Refused a request for host %r", request.headers.get("Host"))
    request_ctx.url_adapter = current_app.url_map.bind(
        trusted[0].lstrip("."), script_name=request.script_root or "/", url_scheme=request.scheme
    )
    raise request.routing_exception


def require_login():
    """Refuse every non-public endpoint to anonymous users."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        response = jsonify(error=_("Kirjaudu ensin sisään."))
        response.status_code = 401
        return response
    if g.get("session_expired"):
        flash(_(
            "Sinut kirjattiin ulos, koska Tekotaulua ei käytetty vähään aikaan. "
            "Kirjaudu uudelleen."
        ))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def steer_to_required_step():
    """Send a signed-in person to set a new password or a second factor before anything else."""
    if request.endpoint in ALWAYS_REACHABLE or not current_user.is_authenticated:
        return None
    if current_user.password_change_required and request.endpoint != "account.password":
        return redirect(url_for("account.password"))
    if needs_second_factor(current_user) and request.endpoint != "account.two_factor_page":
        return redirect(url_for("account.two_factor_page"))
    return None


def needs_second_factor(user: sessions.Viewer) -> bool:
    """Whether the user's role must use a second factor and they have none yet."""
    return user.role in current_app.config["TWO_FACTOR_ROLES"] and not user.has_second_factor


def add_security_headers(response: Response) -> Response:
    """Add CSP, nosniff, framing and referrer rules to every response."""
    response.headers.setdefault(
        "Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # A page whose URL holds a secret (a one-time link) says no-referrer itself.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if response.mimetype in PRIVATE_TYPES and "Cache-Control" not in response.headers:
        # Pages show personal data and tablets are shared: never keep them in a cache.
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def refuse_nul_characters():
    """Refuse a NUL in the path (404), a parameter or a form field (400): no person types one."""
    if "\x00" in request.path:
        abort(404)
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            refuse(400, _("Rajaus ei kelpaa: %(name)s.", name=name.replace("\x00", "")))
    if request.mimetype in FORM_TYPES:
        files = request.files.items(multi=True)
        texts = _pairs(request.form) + [f.filename or "" for _name, f in files]
        if any("\x00" in text for text in texts):
            refuse(400, _("Lähetetyssä tekstissä on merkkejä, joita ei voi käyttää."))
    return None


def _pairs(multidict) -> list[str]:
    """Every key and value of a MultiDict, flattened."""
    return [text for pair in multidict.items(multi=True) for text in pair]
