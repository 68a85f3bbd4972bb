"""Login, second-factor and first-run forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.services.passwords import PASSWORD_MAX, PASSWORD_MIN
from app.services.pins import PIN_MAX
from app.web.forms import Form


class LoginForm(Form):
    """Username and password."""

    username = StringField(_l("Käyttäjätunnus"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        _l("Salasana"), validators=[DataRequired(), Length(max=PASSWORD_MAX)]
    )
    submit = SubmitField(_l("Kirjaudu sisään"))


class PinLoginForm(Form):
    """Username and personal PIN, on a shared tablet (fields prefixed pin- on the page)."""

    username = StringField(_l("Käyttäjätunnus"), validators=[DataRequired(), Length(max=64)])
    pin = PasswordField(
        _l("PIN-koodi"),
        validators=[DataRequired(_l("Kirjoita PIN-koodisi.")), Length(max=PIN_MAX)],
    )
    submit = SubmitField(_l("Kirjaudu PIN-koodilla"))


class SecondFactorForm(Form):
    """The code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Tunnistuskoodi"),
        validators=[DataRequired(_l("Kirjoita koodi.")), Length(max=32)],
    )
    submit = SubmitField(_l("Jatka"))


class SetupForm(Form):
    """The first admin account, asked for once on a new instance."""

    display_name = StringField(_l("Nimi"), validators=[DataRequired(), Length(max=120)])
    username = StringField(_l("Käyttäjätunnus"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        _l("Salasana"), validators=[DataRequired(), Length(max=PASSWORD_MAX)]
    )
    password2 = PasswordField(
        _l("Salasana uudelleen"),
        validators=[DataRequired(), EqualTo("password", message=_l("Salasanat eivät täsmää."))],
    )
    submit = SubmitField(_l("Luo ylläpitäjä"))


class ReauthForm(Form):
    """The password again, before admin actions."""

    password = PasswordField(
        _l("Salasana"), validators=[DataRequired(), Length(max=PASSWORD_MAX)]
    )
    submit = SubmitField(_l("Jatka"))


class WelcomeForm(Form):
    """A new password twice, set through a one-time link (the service checks the rules)."""

    password = PasswordField(
        _l("Uusi salasana"),
        description=_l("Vähintään %(num)s merkkiä. Hyvä salasana on lause tai muutama sana, "
                       "jonka muistat.", num=PASSWORD_MIN),
        validators=[DataRequired(_l("Kirjoita uusi salasana."))],
    )
    password_again = PasswordField(
        _l("Uusi salasana uudelleen"),
        validators=[DataRequired(_l("Kirjoita salasana uudelleen.")),
                    EqualTo("password", message=_l("Salasanat eivät täsmää."))],
    )
    submit = SubmitField(_l("Tallenna salasana"))
