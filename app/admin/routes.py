"""Admin pages: users, erasing a user or a deed, exporting a user's data, the audit log."""

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import EraseForm
from app.extensions import db
from app.models import Role, User
from app.permissions import recent_login_required, roles_required
from app.services import audit, board, privacy

admin_only = roles_required(Role.ADMIN)


@bp.route("/users")
@admin_only
@recent_login_required
def users():
    """List users with their deed counts and the erase and export actions."""
    return render_template("admin/users.html", summaries=privacy.user_summaries())


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@admin_only
@recent_login_required
def erase_user(user_id: int):
    """Show what erasing a user deletes; erase when confirmed."""
    user = db.get_or_404(User, user_id)
    form = EraseForm()
    preview = privacy.erasure_preview(user)
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/erase_user.html", form=form, preview=preview), status
    username = user.username
    try:
        count = privacy.erase_user(current_user, user_id)
    except privacy.ErasureRefused as refusal:
        form.confirm.errors = [str(refusal)]
        return render_template("admin/erase_user.html", form=form, preview=preview), 400
    flash(_("Käyttäjä %(name)s ja %(n)s tekoa on poistettu.", name=username, n=count), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/export")
@admin_only
@recent_login_required
def export_user(user_id: int):
    """Download one user's deeds and photos as a ZIP, for an access request."""
    if db.session.get(User, user_id) is None:
        abort(404)
    name, archive = privacy.export_user(current_user, user_id)
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/deeds/<int:deed_id>/erase", methods=["GET", "POST"])
@admin_only
@recent_login_required
def erase_deed(deed_id: int):
    """Show the deed to erase; erase it with its files when confirmed."""
    deed = board.get_deed(deed_id, current_user)
    if deed is None:
        abort(404)
    form = EraseForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/erase_deed.html", form=form, deed=deed), status
    privacy.erase_deed(current_user, deed_id)
    flash(_("Teko on poistettu pysyvästi kuvineen."), "success")
    return redirect(url_for("board.index"))


@bp.route("/audit")
@admin_only
@recent_login_required
def audit_log():
    """The newest moderation and erasure actions."""
    return render_template("admin/audit.html", entries=audit.recent_entries())

