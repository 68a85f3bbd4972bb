"""Login and first-run forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Käyttäjätunnus"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Salasana"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Kirjaudu sisään"))


class SetupForm(FlaskForm):
    """The first admin account, asked for once on a new instance."""

    display_name = StringField(_l("Nimi"), validators=[DataRequired(), Length(max=120)])
    username = StringField(_l("Käyttäjätunnus"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Salasana"), validators=[DataRequired(), Length(min=8, max=256)])
    password2 = PasswordField(
        _l("Salasana uudelleen"),
        validators=[DataRequired(), EqualTo("password", message=_l("Salasanat eivät täsmää."))],
    )
    submit = SubmitField(_l("Luo ylläpitäjä"))


class ReauthForm(FlaskForm):
    """The password again, before admin actions."""

    password = PasswordField(_l("Salasana"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Jatka"))
