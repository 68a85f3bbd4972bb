"""Shared tablets: the set-up page with the list of tablets, revoking one, and the keep-alive."""

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.devices import bp
from app.devices.forms import DeviceForm
from app.models.base import utcnow
from app.permissions import Capability, holds_somewhere
from app.services import devices, sessions
from app.services.errors import ServiceError
from app.web import device as shared_device
from app.web import sign_in
from app.web.responses import add_refusal, done, form_page


@bp.before_request
def guard():
    """Only those who may set up a tablet somewhere (the keep-alive is anyone's)."""
    if request.endpoint == "devices.alive":
        return
    if not holds_somewhere(current_user, Capability.MANAGE_DEVICES):
        abort(403)


@bp.route("/devices", methods=["GET", "POST"])
def index():
    """Set this browser up as a unit's shared tablet; list and revoke the tablets in use."""
    form = DeviceForm()
    form.unit.choices = devices.managed_units(current_user)
    if not form.is_submitted() and current_user.default_unit_id in dict(form.unit.choices):
        form.unit.data = current_user.default_unit_id
    if not form.validate_on_submit():
        return devices_page(form)
    try:
        device, token = devices.set_up(
            current_user, form.unit.data, form.name.data,
            logout_after_post=form.logout_after_post.data, idle_minutes=form.idle_minutes.data,
        )
    except ServiceError as error:
        add_refusal(form, error, fallback_field="name")
        return devices_page(form)
    return hand_over(device.name, token)


def devices_page(form: DeviceForm):
    """The set-up form, this browser's tablet (if any) and the list."""
    return form_page(
        "devices/index.html", form,
        tablets=devices.managed_devices(current_user), this_tablet=shared_device.current(),
    )


def hand_over(name: str, token: str):
    """Sign the supervisor out (no personal session stays on a shared tablet), keep the cookie."""
    sign_in.end()
    flash(_("Tabletti %(name)s on nyt yhteisessä käytössä. Kirjaudu sisään.", name=name),
          "success")
    response = redirect(url_for("auth.login"))
    shared_device.remember(response, token)
    return response


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
def revoke(device_id: int):
    """Take a tablet out of shared use; its cookie is ignored from now on."""
    devices.revoke(current_user, device_id)
    return done(url_for("devices.index"), _("Tabletti on poistettu yhteisestä käytöstä."))


@bp.route("/api/device/alive", methods=["POST"])
def alive():
    """Someone is using the tablet (taps, keys, scrolling): the session stays alive from now."""
    sessions.touch(current_user.session_id, utcnow())
    return jsonify(idle_seconds=current_user.device_idle_seconds)
