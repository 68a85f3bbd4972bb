"""Admin forms: confirming what cannot be undone, the site settings, adding and editing users."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from app.labels import choices
from app.models import Role
from app.services.people import DISPLAY_NAME_MAX
from app.web.forms import CheckboxList, Form
from app.web.validation import plain_text


class EraseForm(Form):
    """A tick that says the admin knows erasing is final."""

    confirm = BooleanField(
        _l("Ymmärrän, että poistoa ei voi perua."),
        validators=[DataRequired(_l("Vahvista poisto rastittamalla ruutu."))],
    )
    submit = SubmitField(_l("Poista pysyvästi"))



class SiteSettingsForm(Form):
    """Site-wide switches: whether personal PINs may be used on shared tablets."""

    allow_pins = BooleanField(_l("Salli henkilökohtaiset PIN-koodit yhteisillä tableteilla"))
    require_approval = BooleanField(
        _l("Uudet teot odottavat esihenkilön hyväksyntää ennen kuin ne näkyvät taululla")
    )
    submit = SubmitField(_l("Tallenna"))


def optional_id(value: object) -> int | None:
    """A select's id, or None for its empty choice (the service checks that the id exists)."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        raise ValueError(_l("Valitse yksikkö listasta."))
    return int(text)


class UserForm(Form):
    """A user's name, role, own unit and (for supervisors) the units they answer for."""

    display_name = StringField(
        _l("Nimi"),
        description=_l("Näkyy taululla tekojen yhteydessä, esim. Aino K."),
        validators=[
            InputRequired(_l("Anna nimi.")), plain_text,
            Length(max=DISPLAY_NAME_MAX, message=_l("Nimessä voi olla enintään %(max)d merkkiä.")),
        ],
    )
    role = SelectField(_l("Rooli"), choices=lambda: choices(Role), validate_choice=True,
                       default=Role.EMPLOYEE.value)
    default_unit = SelectField(_l("Oma yksikkö"), coerce=optional_id, validate_choice=False)
    units = CheckboxList(_l("Esihenkilönä yksiköissä"), coerce=optional_id, validate_choice=False)


class NewUserForm(UserForm):
    """A new user: the username too (it cannot change later)."""

    username = StringField(
        _l("Käyttäjätunnus"),
        description=_l("Pieniä kirjaimia a–z, numeroita, pisteitä tai väliviivoja, esim. aino.k"),
        validators=[InputRequired(_l("Anna käyttäjätunnus.")), plain_text, Length(max=200)],
    )
