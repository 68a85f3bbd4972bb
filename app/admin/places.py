"""Admin pages for municipalities and units: add, rename, retire, and who supervises each unit."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import MunicipalityForm, NameForm, SupervisorForm, UnitForm
from app.services import moderation, places
from app.services.errors import ServiceError
from app.web.errors import message_of
from app.web.responses import add_refusal, done, form_page


def unit_form() -> UnitForm:
    """The new-unit form with the municipalities to choose from."""
    form = UnitForm(prefix="unit")
    form.municipality.choices = places.municipality_choices()
    return form


def units_page(municipality_form: MunicipalityForm, new_unit_form: UnitForm, status: int = 200):
    """The list of municipalities and units with the two forms that add them."""
    return render_template("admin/units.html", overview=places.overview(),
                           municipality_form=municipality_form, unit_form=new_unit_form), status


@bp.route("/units")
def units():
    """Every municipality and unit, in use or retired, with their supervisors."""
    return units_page(MunicipalityForm(prefix="municipality"), unit_form())


@bp.route("/units", methods=["POST"])
def create_unit():
    """Add a unit to a municipality."""
    form = unit_form()
    if form.validate_on_submit():
        try:
            unit = places.create_unit(current_user, form.municipality.data, form.name.data)
        except ServiceError as error:
            add_refusal(form, error, fallback_field="name")
        else:
            return done(url_for("admin.unit", unit_id=unit.id),
                        _("Yksikkö %(name)s on lisätty.", name=unit.name))
    return units_page(MunicipalityForm(prefix="municipality", formdata=None), form, 400)


@bp.route("/municipalities", methods=["POST"])
def create_municipality():
    """Add a municipality."""
    form = MunicipalityForm(prefix="municipality")
    if form.validate_on_submit():
        try:
            municipality = places.create_municipality(current_user, form.name.data)
        except ServiceError as error:
            add_refusal(form, error, fallback_field="name")
        else:
            return done(url_for("admin.units"),
                        _("Kunta %(name)s on lisätty.", name=municipality.name))
    return units_page(form, unit_form(), 400)


@bp.route("/municipalities/<int:municipality_id>", methods=["GET", "POST"])
def municipality(municipality_id: int):
    """Rename a municipality."""
    found = places.get_municipality(municipality_id)
    form = NameForm()
    if not form.is_submitted():
        form.name.data = found.name
    if form.validate_on_submit():
        try:
            places.rename_municipality(current_user, municipality_id, form.name.data)
        except ServiceError as error:
            add_refusal(form, error, fallback_field="name")
        else:
            return done(url_for("admin.units"), _("Kunnan nimi on tallennettu."))
    return form_page("admin/municipality.html", form, municipality=found)


def unit_page(unit_id: int, form: NameForm, supervisor_form: SupervisorForm, status: int):
    """A unit's page: its name, whether it is in use, its supervisors and the picker."""
    found = places.get_unit(unit_id)
    search = request.args.get("q", "")[:100]
    return render_template(
        "admin/unit.html", unit=found, form=form, supervisor_form=supervisor_form,
        supervisors=[user for _, user in moderation.supervisions(unit_id)],
        candidates=places.supervisor_candidates(unit_id, search), search=search,
        all_supervisors=places.supervisors(),
    ), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit(unit_id: int):
    """Show a unit; rename it."""
    found = places.get_unit(unit_id)
    form = NameForm()
    if not form.is_submitted():
        form.name.data = found.name
    elif form.validate():
        try:
            places.rename_unit(current_user, unit_id, form.name.data)
        except ServiceError as error:
            add_refusal(form, error, fallback_field="name")
        else:
            return done(url_for("admin.unit", unit_id=unit_id), _("Yksikön nimi on tallennettu."))
    return unit_page(unit_id, form, SupervisorForm(formdata=None),
                     400 if form.is_submitted() else 200)


@bp.route("/units/<int:unit_id>/retire", methods=["POST"])
def retire_unit(unit_id: int):
    """Stop offering a unit; its deeds stay on the board."""
    found = places.set_unit_active(current_user, unit_id, False)
    return done(url_for("admin.unit", unit_id=unit_id),
                _("Yksikkö %(name)s on poistettu käytöstä. Sen teot jäävät taululle.",
                  name=found.name))


@bp.route("/units/<int:unit_id>/reactivate", methods=["POST"])
def reactivate_unit(unit_id: int):
    """Offer a retired unit again."""
    found = places.set_unit_active(current_user, unit_id, True)
    return done(url_for("admin.unit", unit_id=unit_id),
                _("Yksikkö %(name)s on taas käytössä.", name=found.name))


@bp.route("/units/<int:unit_id>/supervisors", methods=["POST"])
def add_supervisor(unit_id: int):
    """Make a supervisor answer for the unit."""
    return _change_supervisor(unit_id, adding=True)


@bp.route("/units/<int:unit_id>/supervisors/remove", methods=["POST"])
def remove_supervisor(unit_id: int):
    """Stop a supervisor answering for the unit."""
    return _change_supervisor(unit_id, adding=False)


def _change_supervisor(unit_id: int, adding: bool):
    """Add or remove one supervisor; a refusal shows under the picker."""
    places.get_unit(unit_id)
    form = SupervisorForm()
    if form.validate_on_submit():
        username = form.username.data.split()[0]  # the picker may show "name – full name"
        try:
            if adding:
                moderation.add_supervisor(unit_id, username, actor=current_user)
            else:
                moderation.remove_supervisor(unit_id, username, actor=current_user)
        except ServiceError as error:
            if error.reason == "user_not_found":  # a typo in the picker, not a missing page
                form.username.errors = [message_of(error)]
            else:
                add_refusal(form, error, fallback_field="username")
        else:
            message = (_("Esihenkilö %(name)s on lisätty.", name=username) if adding
                       else _("Esihenkilö %(name)s on poistettu yksiköstä.", name=username))
            return done(url_for("admin.unit", unit_id=unit_id), message)
    return unit_page(unit_id, NameForm(formdata=None, name=places.get_unit(unit_id).name),
                     form, 400)
