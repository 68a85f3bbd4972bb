"""The base of every form: text where text is expected, files only where files are expected.

Flask-WTF hands a field whatever arrives under its name: a file part, or a number, a list or
an object from a JSON body. Fields expect text and fail in ways that become 500s, so anything
else is refused here as a 400 before any field sees it.
"""

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from app.web.errors import refuse


def malformed() -> None:
    """Refuse a body no form of ours could have sent."""
    refuse(400, _("Lähetetyt tiedot eivät kelpaa. Päivitä sivu ja yritä uudelleen."))


def json_fields(body: object) -> MultiDict:
    """A JSON object of text values, as form data; anything else is refused."""
    if not isinstance(body, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in body.items()
    ):
        malformed()
    return MultiDict(body)


class Form(FlaskForm):
    """A FlaskForm that passes each field only the kind of value it can take."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            """Form text for text fields, uploaded files for file fields, nothing else."""
            if request and request.is_json and formdata is _Auto and form.is_submitted():
                return json_fields(request.get_json())
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None or not request:
                return formdata
            files = {name for name, field in form._fields.items() if isinstance(field, FileField)}
            if any(name not in files for name in request.files):
                malformed()
            data = MultiDict(request.form)
            for name in files:
                data.setlist(name, request.files.getlist(name))
            return data


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes (easier to tap than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
