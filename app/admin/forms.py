"""Admin forms: confirmations of what cannot be undone, settings, users, places and the import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
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


class NameForm(Form):
    """A municipality's or a unit's name, new or changed."""

    name = StringField(_l("Nimi"), validators=[DataRequired(_l("Anna nimi."))])
    submit = SubmitField(_l("Tallenna nimi"))


class MunicipalityForm(Form):
    """A new municipality."""

    name = StringField(_l("Uuden kunnan nimi"), validators=[DataRequired(_l("Anna nimi."))])
    submit = SubmitField(_l("Lisää kunta"))


class UnitForm(Form):
    """A new unit in a municipality."""

    municipality = SelectField(_l("Kunta"), coerce=int, validate_choice=True,
                               validators=[InputRequired(_l("Valitse kunta."))])
    name = StringField(_l("Uuden yksikön nimi"), validators=[DataRequired(_l("Anna nimi."))])
    submit = SubmitField(_l("Lisää yksikkö"))


class SupervisorForm(Form):
    """A supervisor to add to a unit or remove from it, by username."""

    username = StringField(_l("Esihenkilön käyttäjätunnus"),
                           validators=[DataRequired(_l("Valitse esihenkilö."))])


class ImportForm(Form):
    """A CSV file of staff to preview."""

    file = FileField(_l("CSV-tiedosto"), validators=[FileRequired(_l("Valitse tiedosto."))])
    submit = SubmitField(_l("Esikatsele"))


class ImportConfirmForm(Form):
    """The previewed rows, signed by the server, to create."""

    rows = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Lisää käyttäjät"))
