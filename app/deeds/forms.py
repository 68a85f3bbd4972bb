"""The form for posting a deed."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from app.labels import choices
from app.models import COMMENT_MAX, DESCRIPTION_MAX, CustomerType
from app.services import board, deeds
from app.services.deeds import PHOTO_ACCEPT
from app.web import device as shared_device
from app.web.errors import REFUSALS
from app.web.forms import Form
from app.web.validation import one_file, plain_text, safe_filename

EARLIEST_DATE = dt.date(2000, 1, 1)


def customer_type_choices() -> list[tuple[str, str]]:
    """The 'for whom' choices, with 'not chosen' first."""
    return [("", _l("Ei valittu")), *choices(CustomerType)]


def strip_text(value: str | None) -> str | None:
    """Trim whitespace and drop NUL characters that no description needs."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def has_file(data: object) -> bool:
    """Tell whether a file was chosen (an empty file part has no name)."""
    return isinstance(data, FileStorage) and bool(data)


def photo_or_kept(form: "DeedForm", field: FileField) -> None:
    """No new file is needed when the form carries a photo kept from the last try."""
    if not has_file(field.data) and form.kept_photo.data:
        raise StopValidation()


class DeedForm(Form):
    """Photo, what was done, where, for whom, when, and consent."""

    photo = FileField(
        _l("Ota kuva tai valitse kuva"),
        validators=[photo_or_kept, FileRequired(_l("Valitse kuva.")), one_file, safe_filename],
        render_kw={"accept": PHOTO_ACCEPT},
    )
    # The one-time token of the photo the server kept after a refused form (no-JS path).
    kept_photo = HiddenField()
    description = TextAreaField(
        _l("Mitä teit?"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Kerro lyhyesti, mitä teit.")),
            plain_text,
            Length(
                max=DESCRIPTION_MAX,
                message=_l("Kuvaus on liian pitkä (enintään %(max)d merkkiä)."),
            ),
        ],
    )
    unit = SelectField(
        _l("Yksikkö"),
        coerce=int,
        validate_choice=False,  # validate_unit says it in words (a retired unit, an old form)
        validators=[InputRequired(_l("Valitse yksikkö."))],
    )
    customer_type = SelectField(_l("Kenelle?"), choices=customer_type_choices)
    happened_on = DateField(
        _l("Milloin?"),
        default=dt.date.today,
        validators=[InputRequired(_l("Anna päivämäärä."))],
    )
    consent = BooleanField(
        _l("Kuvassa ei ole tunnistettavia henkilöitä, tai heiltä on lupa kuvaan."),
        validators=[DataRequired(REFUSALS["consent_missing"].message)],
    )
    submit = SubmitField(_l("Lähetä"))

    def validate_unit(self, field: SelectField) -> None:
        """Only the units offered (those in use); a retired one is refused in words."""
        if field.data not in {value for value, _ in field.choices or ()}:
            raise ValidationError(REFUSALS["unit_unknown"].message)

    def validate_happened_on(self, field: DateField) -> None:
        """Refuse dates in the future or before the workshops began."""
        if field.data is None:
            return
        if field.data > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError(_l("Päivämäärä ei voi olla tulevaisuudessa."))
        if field.data < EARLIEST_DATE:
            raise ValidationError(_l("Tarkista päivämäärä."))

    def chosen_customer_type(self) -> CustomerType | None:
        """Return the customer type, or None when not chosen."""
        return CustomerType(self.customer_type.data) if self.customer_type.data else None


class DeedEditForm(DeedForm):
    """The deed form's own fields and rules for what the author may change afterwards."""

    # The photo and the consent given with it stay as they were posted.
    photo = None
    kept_photo = None
    consent = None
    submit = SubmitField(_l("Tallenna muutokset"))


class CommentForm(Form):
    """A short plain-text comment under a deed."""

    body = TextAreaField(
        _l("Kommentoi"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Kirjoita kommentti.")),
            plain_text,
            Length(
                max=COMMENT_MAX,
                message=_l("Kommentti on liian pitkä (enintään %(max)d merkkiä)."),
            ),
        ],
    )
    submit = SubmitField(_l("Lähetä kommentti"))


def unit_choices(current: tuple[int, str] | None = None) -> list[tuple[int, str]]:
    """The units in use to choose from, plus the deed's own unit if it is no longer in use."""
    units = [(u.id, f"{u.name} ({u.municipality_name})") for u in board.places().units]
    if current and current[0] not in {unit_id for unit_id, _name in units}:
        units.insert(0, current)
    return units


def deed_form(**kwargs) -> DeedForm:
    """Build the form with the units to choose from and the user's last unit preselected."""
    form = DeedForm(**kwargs)
    form.unit.choices = unit_choices()
    if not form.is_submitted():
        # A shared tablet belongs to one workplace: its unit comes before the user's last one.
        tablet = shared_device.current()
        preset = tablet.unit_id if tablet else current_user.default_unit_id
        if preset:
            form.unit.data = preset
    return form


def deed_edit_form(card) -> DeedEditForm:
    """Build the edit form, filled with the deed's current values when first shown."""
    form = DeedEditForm()
    form.unit.choices = unit_choices((card.unit.id, card.unit.name))
    if not form.is_submitted():
        form.description.data = card.description
        form.unit.data = card.unit.id
        form.customer_type.data = card.customer_type or ""
        form.happened_on.data = dt.date.fromisoformat(card.happened_on)
    return form


def deed_edit(form: DeedEditForm) -> deeds.DeedEdit:
    """Turn the validated edit form into the service's input."""
    return deeds.DeedEdit(
        description=form.description.data,
        unit_id=form.unit.data,
        happened_on=form.happened_on.data,
        customer_type=form.chosen_customer_type(),
    )


def new_deed(form: DeedForm) -> deeds.NewDeed:
    """Turn the validated form into the service's input."""
    return deeds.NewDeed(
        description=form.description.data,
        unit_id=form.unit.data,
        happened_on=form.happened_on.data,
        customer_type=form.chosen_customer_type(),
        consent=bool(form.consent.data),
    )


def uploads_of(form: DeedForm) -> list:
    """The newly chosen photo as a stream to read from the start, or none."""
    if not has_file(form.photo.data):
        return []
    form.photo.data.stream.seek(0)
    return [form.photo.data.stream]


def kept_claim(form: DeedForm) -> deeds.KeptPhotoClaim | None:
    """The form's kept photo token, bound to this user's session, if it carries one."""
    token = form.kept_photo.data
    if not token or not current_user.is_authenticated:
        return None
    return deeds.KeptPhotoClaim(str(token)[:64], current_user.session_id)
