"""The form for posting a deed."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.labels import choices
from app.models import DESCRIPTION_MAX, CustomerType
from app.services.deeds import PHOTO_ACCEPT
from app.web.forms import Form
from app.web.validation import one_file, plain_text, safe_filename

EARLIEST_DATE = dt.date(2000, 1, 1)


def customer_type_choices() -> list[tuple[str, str]]:
    """The 'for whom' choices, with 'not chosen' first."""
    return [("", _l("Ei valittu")), *choices(CustomerType)]


def strip_text(value: str | None) -> str | None:
    """Trim whitespace and drop NUL characters that no description needs."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class DeedForm(Form):
    """Photo, what was done, where, for whom, when, and consent."""

    photo = FileField(
        _l("Ota kuva tai valitse kuva"),
        validators=[FileRequired(_l("Valitse kuva.")), one_file, safe_filename],
        render_kw={"accept": PHOTO_ACCEPT},
    )
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
        validate_choice=True,
        validators=[InputRequired(_l("Valitse yksikkö."))],
    )
    customer_type = SelectField(_l("Kenelle?"), choices=customer_type_choices)
    happened_on = DateField(
        _l("Milloin?"),
        default=dt.date.today,
        validators=[InputRequired(_l("Anna päivämäärä."))],
    )
    consent = BooleanField(
        _l("Kuvassa ei ole tunnistettavaa henkilöä, tai hän on antanut luvan"),
        validators=[DataRequired(_l("Vahvista, että kuvassa olevalta henkilöltä on lupa."))],
    )
    submit = SubmitField(_l("Lähetä"))

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
