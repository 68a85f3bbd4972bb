"""Confirmation forms for admin actions that cannot be undone, and the site settings."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

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
    require_approval = BooleanField(
        _l("Uudet teot odottavat esihenkilön hyväksyntää ennen kuin ne näkyvät taululla")
    )
    submit = SubmitField(_l("Tallenna"))
