"""Forms for one's own account."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.services.passwords import PASSWORD_MAX
from app.services.pins import PIN_MAX
from app.web.forms import Form


class PasswordForm(Form):
    """The current password, and the new one twice."""

    current = PasswordField(
        _l("Nykyinen salasana"),
        validators=[DataRequired(_l("Kirjoita nykyinen salasanasi.")), Length(max=PASSWORD_MAX)],
    )
    new = PasswordField(
        _l("Uusi salasana"),
        validators=[DataRequired(_l("Kirjoita uusi salasana.")), Length(max=PASSWORD_MAX)],
    )
    new_again = PasswordField(
        _l("Uusi salasana uudelleen"),
        validators=[DataRequired(), EqualTo("new", message=_l("Salasanat eivät täsmää."))],
    )
    submit = SubmitField(_l("Vaihda salasana"))


class CodeForm(Form):
    """A six-digit code from the authenticator app."""

    code = StringField(
        _l("Sovelluksen koodi"),
        validators=[DataRequired(_l("Kirjoita koodi.")), Length(max=32)],
    )
    submit = SubmitField(_l("Vahvista"))



class PinForm(Form):
    """The password first, then the new PIN twice."""

    current = PasswordField(
        _l("Salasana"),
        validators=[DataRequired(_l("Kirjoita salasanasi.")), Length(max=PASSWORD_MAX)],
    )
    pin = PasswordField(
        _l("Uusi PIN-koodi"),
        validators=[DataRequired(_l("Kirjoita PIN-koodi.")), Length(max=PIN_MAX + 1)],
    )
    pin_again = PasswordField(
        _l("PIN-koodi uudelleen"),
        validators=[DataRequired(), EqualTo("pin", message=_l("PIN-koodit eivät täsmää."))],
    )
    submit = SubmitField(_l("Tallenna PIN-koodi"))


class RemovePinForm(Form):
    """The password, to remove the PIN."""

    current = PasswordField(
        _l("Salasana"),
        validators=[DataRequired(_l("Kirjoita salasanasi.")), Length(max=PASSWORD_MAX)],
    )
    submit = SubmitField(_l("Poista PIN-koodi"))
