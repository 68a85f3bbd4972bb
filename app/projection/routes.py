"""The projection pages for leaders and admins, and the same pages through a projection link."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.permissions import Capability
from app.projection import bp, views
from app.projection.views import Scope, link_url, projection_view, scope_from_link
from app.services import photos, projection
from app.web import cards, params
from app.web.errors import wants_json
from app.web.guards import capability_required
from app.web.photos import send_photo
from app.web.responses import done, safe_next
from app.workshops.forms import LinkForm

LINK_PHOTO_SECONDS = 300  # a screen keeps a photo briefly: a revoked link soon shows nothing


@bp.route("/projection")
@capability_required(Capability.PROJECT)
def show():
    """The full-screen wall and slideshow of the filter in the URL."""
    scope = views.scope_from(request.args)
    return render_template("projection/show.html", projection=projection_view(scope))


@bp.route("/projection/live")
@capability_required(Capability.PROJECT)
def live():
    """The projection's live data: new deeds, which are still shown, the spotlight."""
    return views.live(views.scope_from(request.args), request.args)


@bp.route("/projection/qr.svg")
@capability_required(Capability.PROJECT)
def qr():
    """The QR code that opens the deed form."""
    return views.qr_svg(projection_view(views.scope_from(request.args)).new_deed_url)


@bp.route("/projection/remote")
@capability_required(Capability.PROJECT)
def remote():
    """A leader's phone or tablet: tap a deed to show it on the projector, release it."""
    scope = views.scope_from(request.args)
    shown = projection.window(scope.filters)
    return render_template(
        "projection/remote.html",
        projection=projection_view(scope),
        cards=cards.cards_of([item.id for item in shown]),
        spotlight_id=projection.spotlight(scope.key),
        spotlight_url=url_for("projection.spotlight"),
        release_url=url_for("projection.release"),
        filter_fields=[(k, v) for k, v in params.filter_args(scope.filters).items() if v],
        links=[(link, link_url(link.id)) for link in projection.links(filter_key=scope.key)],
        link_form=LinkForm(),
    )


@bp.route("/projection/spotlight", methods=["POST"])
@capability_required(Capability.PROJECT)
def spotlight():
    """Put a deed of the filter in the spotlight on every screen showing the filter."""
    scope = views.scope_from(request.form)
    deed_id = params.positive_int(request.form, "deed_id")
    projection.set_spotlight(current_user, scope.filters, scope.key, deed_id)
    return spotlight_done(scope)


@bp.route("/projection/spotlight/release", methods=["POST"])
@capability_required(Capability.PROJECT)
def release():
    """Take the spotlight off: the screens go back to the wall or slideshow."""
    scope = views.scope_from(request.form)
    projection.set_spotlight(current_user, scope.filters, scope.key, None)
    return spotlight_done(scope)


def spotlight_done(scope: Scope):
    """Back to the remote page (a script gets 204 and stays)."""
    if wants_json():
        return "", 204
    return done(scope.url("remote"))


@bp.route("/projection/links", methods=["POST"])
@capability_required(Capability.PROJECT)
def create_link():
    """Make a projection link for the filter (and its workshop) and show its address."""
    scope = views.scope_from(request.form)
    form = LinkForm()
    back = safe_next(request.form.get("next"))
    if not form.validate_on_submit():
        return done(back, _("Valitse, kuinka kauan linkki on voimassa."))
    workshop_id = scope.filters.round.workshop_id if scope.filters.round else None
    link = projection.create_link(current_user, scope.key, workshop_id, form.hours.data)
    return done(back, _("Projektorilinkki luotu: %(url)s", url=link_url(link.id)), status=201)


@bp.route("/projection/links/<int:link_id>/revoke", methods=["POST"])
@capability_required(Capability.PROJECT)
def revoke_link(link_id: int):
    """End a projection link now."""
    projection.revoke_link(current_user, link_id)
    return done(safe_next(request.form.get("next")), _("Projektorilinkki peruttu."))


# The same pages through a projection link: no login, read-only, only the link's filter.


@bp.route("/p/<token>")
def link_show(token: str):
    """The projection a link shows."""
    scope = scope_from_link(token)
    return render_template("projection/show.html", projection=projection_view(scope))


@bp.route("/p/<token>/live")
def link_live(token: str):
    """The live data of a link's projection."""
    return views.live(scope_from_link(token), request.args)


@bp.route("/p/<token>/qr.svg")
def link_qr(token: str):
    """The QR code of a link's projection."""
    return views.qr_svg(projection_view(scope_from_link(token)).new_deed_url)


@bp.route("/p/<token>/photos/<path:key>")
def link_photo(token: str, key: str):
    """A photo of a deed in the link's filter, while the link is valid."""
    scope = scope_from_link(token)
    response = send_photo(photos.file_in_filter(key, scope.filters))
    response.cache_control.max_age = LINK_PHOTO_SECONDS
    response.cache_control.immutable = False
    return response
