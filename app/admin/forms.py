"""Admin forms: confirmations of what cannot be undone, settings, places and the staff import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired

from app.web.forms import Form


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
    submit = SubmitField(_l("Tallenna"))


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
