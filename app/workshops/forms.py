"""The workshop form, and the form that makes a projection link."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.validators import InputRequired, Length

from app.deeds.forms import strip_text
from app.models.workshops import NAME_MAX, THEME_MAX
from app.services.projection import LINK_HOURS_DEFAULT
from app.web.forms import CheckboxList, Form
from app.web.validation import plain_text

# How long a projection link lasts: the choices a leader is offered (hours).
LINK_DURATIONS = (
    (4, lazy_ngettext("%(num)s tunti", "%(num)s tuntia", 4)),
    *((24 * days, lazy_ngettext("%(num)s vuorokausi", "%(num)s vuorokautta", days))
      for days in (1, 3, 7)),
)


def link_duration_choices() -> list[tuple[int, str]]:
    """The link durations as select choices."""
    return list(LINK_DURATIONS)


class ClockTimeField(TimeField):
    """A time of day as browsers send it (13:00) or as Finns write it (13.00)."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        super().__init__(label, validators, format=["%H:%M", "%H.%M"], **kwargs)

    def process_formdata(self, valuelist) -> None:
        """Read the time; WTForms has no Finnish words for one it cannot read, so say them."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Anna kellonaika muodossa 13.00.")) from None


class WorkshopForm(Form):
    """Name, when and where, theme, and who leads."""

    name = StringField(
        _l("Nimi"),
        filters=[strip_text],
        validators=[InputRequired(_l("Anna työpajalle nimi.")), plain_text, Length(max=NAME_MAX)],
    )
    start_date = DateField(_l("Päivä"), validators=[InputRequired(_l("Anna päivämäärä."))])
    start_time = ClockTimeField(
        _l("Alkaa klo"), validators=[InputRequired(_l("Anna alkamisaika."))]
    )
    municipality = SelectField(_l("Kunta"), coerce=int, validate_choice=True)
    theme = StringField(
        _l("Teema"), filters=[strip_text], validators=[plain_text, Length(max=THEME_MAX)]
    )
    leaders = CheckboxList(_l("Vetäjät"), coerce=int, validate_choice=True)

    def starts_at(self, zone: dt.tzinfo) -> dt.datetime:
        """The start as an aware time: the date and time are read in the app's timezone."""
        naive = dt.datetime.combine(self.start_date.data, self.start_time.data)
        return zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)


class LinkForm(Form):
    """How long a new projection link stays valid."""

    hours = SelectField(
        _l("Voimassa"), coerce=int, choices=link_duration_choices, default=LINK_HOURS_DEFAULT,
        validate_choice=True,
    )
