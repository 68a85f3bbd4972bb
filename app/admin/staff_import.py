"""Admin pages for importing staff from a CSV file: upload, preview, confirm, print the slips."""

from flask import current_app, render_template
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer

from app.admin import bp, welcome_url
from app.admin.forms import ImportConfirmForm, ImportForm
from app.services import staff_import
from app.services.errors import Refused, ServiceError
from app.web.errors import message_of
from app.web.responses import add_refusal, keep_secret

SALT = "staff-import"
PREVIEW_VALID_SECONDS = 3600  # the admin reads the preview and confirms within the hour


def _serializer() -> URLSafeTimedSerializer:
    """Signs the previewed rows, so the confirmation carries exactly what was shown."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def sign_rows(rows) -> str:
    """The rows as read, signed for this admin (checked again on confirmation all the same)."""
    return _serializer().dumps({"by": current_user.id, "rows": [row.cells() for row in rows]})


def signed_rows(value: str) -> list[staff_import.ImportRow]:
    """The rows of a signed preview of this admin, not older than an hour; Refused otherwise."""
    try:
        payload = _serializer().loads(value, max_age=PREVIEW_VALID_SECONDS)
    except BadData as error:
        raise Refused("import_expired") from error
    if not isinstance(payload, dict) or payload.get("by") != current_user.id:
        raise Refused("import_expired")
    return staff_import.rows_from_cells(payload.get("rows"))


def preview_page(form, preview=None, confirm_form=None, status: int = 200):
    """The upload form, and the checked rows when a file was read."""
    return render_template("admin/import.html", form=form, preview=preview,
                           confirm_form=confirm_form, message_of=message_of,
                           max_rows=staff_import.MAX_ROWS), status


@bp.route("/import")
def import_users():
    """The form to upload a staff file, with what the file must look like."""
    return preview_page(ImportForm())


@bp.route("/import", methods=["POST"])
def preview_import():
    """Read and check an uploaded file; nothing is written yet."""
    form = ImportForm()
    if not form.validate_on_submit():
        return preview_page(form, status=400)
    try:
        data = form.file.data.stream.read(staff_import.MAX_BYTES + 1)
        preview = staff_import.preview(data)
    except ServiceError as error:
        add_refusal(form, error, fallback_field="file")
        return preview_page(form, status=400)
    confirm_form = None
    if preview.ok:
        confirm_form = ImportConfirmForm(formdata=None, rows=sign_rows(preview.rows))
    return preview_page(form, preview, confirm_form, 200 if preview.ok else 400)


@bp.route("/import/confirm", methods=["POST"])
def confirm_import():
    """Create every previewed user in one go and show their slips (their links shown once)."""
    form = ImportConfirmForm()
    upload_form = ImportForm(formdata=None)
    if not form.validate_on_submit():
        add_refusal(upload_form, Refused("import_expired"), fallback_field="file")
        return preview_page(upload_form, status=400)
    rows: list[staff_import.ImportRow] = []
    try:
        rows = signed_rows(form.rows.data)
        slips = staff_import.confirm(current_user, rows)
    except ServiceError as error:
        add_refusal(upload_form, error, fallback_field="file")
        checked = staff_import.check(rows) if error.reason == "import_invalid" else None
        return preview_page(upload_form, checked, status=400)
    response = current_app.make_response(render_template(
        "admin/import_slips.html", slips=slips, welcome_url=welcome_url))
    return keep_secret(response)  # one-time links: never kept by a browser nor sent on
