"""The form that sets up a shared tablet."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.models import DEVICE_IDLE_MINUTES
from app.services.devices import IDLE_MINUTES_RANGE, NAME_MAX
from app.web.forms import Form


class DeviceForm(Form):
    """The unit, a name, and how the tablet signs people out."""

    unit = SelectField(
        _l("Yksikkö"), coerce=int, validate_choice=True,
        validators=[InputRequired(_l("Valitse yksikkö."))],
    )
    name = StringField(
        _l("Tabletin nimi"),
        validators=[DataRequired(_l("Anna tabletille nimi.")), Length(max=NAME_MAX)],
        description=_l("Esimerkiksi ”Keittiön tabletti”."),
    )
    logout_after_post = BooleanField(_l("Kirjaa käyttäjä ulos, kun teko on lähetetty"),
                                     default=True)
    idle_minutes = IntegerField(
        _l("Kirjaa ulos, kun tablettia ei ole käytetty (minuuttia)"),
        default=DEVICE_IDLE_MINUTES,
        validators=[
            InputRequired(_l("Anna minuutit.")),
            NumberRange(*IDLE_MINUTES_RANGE, message=_l("Anna minuutit väliltä %(min)s–%(max)s.")),
        ],
    )
    submit = SubmitField(_l("Ota tabletti yhteiseen käyttöön"))
