"""The authorization matrix: every route in the URL map x every role, with the expected status.

A route missing from MATRIX fails test_every_route_is_in_the_matrix, so a new route cannot ship
without a decision about who may use it.
"""

from dataclasses import dataclass, field

import pytest

from app.web.security import PUBLIC_ENDPOINTS
from tests.review_support import HIDE
from tests.security_support import build_matrix_world, login

ROLES = ("anonymous", "employee", "supervisor_own", "supervisor_other", "leader", "admin")
USERNAMES = {
    "employee": "aino",
    "supervisor_own": "riitta",
    "supervisor_other": "sanni",
    "leader": "kalle",
    "admin": "admin",
}
LOGIN = 302  # anonymous users are sent to the login page
ERASE = {"confirm": "y"}


def everyone(status: int, anonymous: int = LOGIN) -> dict[str, int]:
    """The same status for every logged-in role."""
    return {"anonymous": anonymous, **dict.fromkeys(USERNAMES, status)}


def admin_only(status: int) -> dict[str, int]:
    """The status for admins; 403 for the other roles."""
    return {"anonymous": LOGIN, **dict.fromkeys(USERNAMES, 403), "admin": status}


def leaders(status: int) -> dict[str, int]:
    """For workshop leaders and admins `status`; 403 for the other roles."""
    return {"anonymous": LOGIN, **dict.fromkeys(USERNAMES, 403), "leader": status,
            "admin": status}


def answerable(status: int, others: int) -> dict[str, int]:
    """For a hidden deed: its unit's supervisor and admins get `status`, the rest `others`."""
    return {
        "anonymous": LOGIN,
        "employee": others,
        "supervisor_own": status,
        "supervisor_other": others,
        "leader": others,
        "admin": status,
    }


@dataclass(frozen=True)
class Case:
    """One request and the status each role gets; {placeholders} are filled from the world."""

    endpoint: str
    method: str
    path: str
    expected: dict[str, int]
    data: dict[str, str] = field(default_factory=dict)
    note: str = ""


# Ordered: a case never depends on a later one; the deeds each POST changes are its own.
MATRIX = [
    Case("static", "GET", "/static/css/app.css", everyone(200, anonymous=200)),
    Case("auth.login", "GET", "/login", everyone(302, anonymous=200)),
    Case("auth.login", "POST", "/login", everyone(302, anonymous=400),
         {"username": "nobody", "password": "wrong-password"}),
    Case("auth.setup", "GET", "/setup", everyone(404, anonymous=404), note="users exist"),
    Case("auth.setup", "POST", "/setup", everyone(404, anonymous=404)),
    Case("auth.set_language", "POST", "/language", everyone(302, anonymous=302), {"lang": "fi"}),
    Case("auth.second_factor", "GET", "/login/code", everyone(302, anonymous=302),
         note="nobody is between password and code: back to the login"),
    Case("auth.second_factor", "POST", "/login/code", everyone(302, anonymous=302),
         {"code": "123456"}),
    Case("auth.reauth", "GET", "/reauth", everyone(200)),
    Case("auth.reauth", "POST", "/reauth", everyone(400), {"password": "wrong-password"}),
    Case("board.index", "GET", "/", everyone(200)),
    Case("board.more", "GET", "/board/more?cursor=2", everyone(200)),
    Case("api.deeds", "GET", "/api/deeds", everyone(200, anonymous=401)),
    Case("api.post_deed", "POST", "/api/deeds", everyone(400, anonymous=401), {"description": "x"},
         note="past the gate: the form's checks answer (no photo)"),
    Case("pages.privacy", "GET", "/privacy", everyone(200, anonymous=200),
         note="the privacy notice is readable before signing in"),
    Case("pages.health", "GET", "/healthz", everyone(200, anonymous=200)),
    Case("pages.ready", "GET", "/readyz", everyone(200, anonymous=200)),
    Case("pages.service_worker", "GET", "/sw.js", everyone(200, anonymous=200),
         note="code only, like /static/: no data"),
    Case("deeds.new", "GET", "/deeds/new", everyone(200)),
    Case("deeds.new", "POST", "/deeds/new", everyone(400), {"description": "x"},
         note="past the gate: the form answers (no photo)"),
    Case("deeds.show", "GET", "/deeds/{visible}", everyone(200)),
    Case("deeds.show", "GET", "/deeds/{hidden}", answerable(200, 404), note="hidden"),
    Case("deeds.show", "GET", "/deeds/{own_hidden}", {**answerable(200, 404), "employee": 200},
         note="the author sees their own hidden deed"),
    Case("deeds.photo", "GET", "/photos/{visible_key}", everyone(200)),
    Case("deeds.photo", "GET", "/photos/{hidden_key}", answerable(200, 404)),
    Case("deeds.photo", "GET", "/photos/photos/00/nothing.webp", everyone(404)),
    Case("deeds.thank", "POST", "/deeds/{visible}/thanks", everyone(302)),
    Case("deeds.thank", "POST", "/deeds/{hidden}/thanks", answerable(302, 404)),
    Case("review.hide", "POST", "/deeds/{to_hide}/hide",
         {**answerable(302, 403), "anonymous": LOGIN}, HIDE),
    Case("review.hide", "POST", "/deeds/{hidden}/hide", answerable(302, 404), HIDE,
         note="hidden already: unseen by others"),
    Case("review.unhide", "POST", "/deeds/{to_unhide}/unhide", answerable(302, 404)),
    Case("review.unhide", "POST", "/deeds/{visible}/unhide", answerable(302, 403),
         note="visible already: a no-op for moderators"),
    Case("review.hidden", "GET", "/review/hidden", everyone(200),
         note="each sees only the hidden deeds they answer for"),
    Case("account.signed_in", "GET", "/account/sessions", everyone(200)),
    Case("account.end_session", "POST", "/account/sessions/999999/end", everyone(404),
         note="not one's own session (nor anyone's)"),
    Case("account.end_other_sessions", "POST", "/account/sessions/end-others", everyone(302)),
    Case("account.password", "GET", "/account/password", everyone(200)),
    Case("account.password", "POST", "/account/password", everyone(400),
         {"current": "väärä", "new": "uusi-pitka-lause-9", "new_again": "uusi-pitka-lause-9"}),
    Case("account.two_factor_page", "GET", "/account/two-factor", everyone(200)),
    Case("account.two_factor_page", "POST", "/account/two-factor",
         {**everyone(400), "admin": 200}, {"code": "000000"},
         note="a wrong code to enrol; the admin's is on already"),
    Case("account.new_recovery_codes", "POST", "/account/two-factor/codes",
         {**everyone(403), "admin": 200}, note="only with the second factor given"),
    Case("admin.users", "GET", "/admin/users", admin_only(200)),
    # Users and their one-time links (before the victim is erased below).
    Case("admin.users", "GET", "/admin/users?q=poist&role=employee&active=1&unit={unit}",
         admin_only(200)),
    Case("admin.users", "GET", "/admin/users?role=king", admin_only(400)),
    Case("admin.new_user", "GET", "/admin/users/new", admin_only(200)),
    Case("admin.new_user", "POST", "/admin/users/new", admin_only(200),
         {"username": "matriisi", "display_name": "Matriisi", "role": "employee"},
         note="the new user's one-time link, shown once"),
    Case("admin.edit_user", "GET", "/admin/users/{victim}", admin_only(200)),
    Case("admin.edit_user", "GET", "/admin/users/999999", admin_only(404)),
    Case("admin.edit_user", "POST", "/admin/users/{victim}", admin_only(302),
         {"display_name": "Poistettava P.", "role": "employee"}),
    Case("admin.issue_link", "POST", "/admin/users/{victim}/link", admin_only(200)),
    Case("admin.deactivate_user", "POST", "/admin/users/{victim}/deactivate", admin_only(302)),
    Case("admin.reactivate_user", "POST", "/admin/users/{victim}/reactivate", admin_only(302)),
    Case("auth.welcome", "GET", "/welcome/" + "x" * 32, everyone(404, anonymous=404),
         note="a made-up link: the same page as a used or expired one"),
    Case("auth.welcome", "POST", "/welcome/" + "x" * 32, everyone(404, anonymous=404),
         {"password": "pitkä-kesäinen-järvi-42", "password_again": "pitkä-kesäinen-järvi-42"}),
    Case("admin.end_sessions", "POST", "/admin/users/{victim}/sessions/end", admin_only(302)),
    Case("admin.reset_second_factor", "POST", "/admin/users/{victim}/two-factor/reset",
         admin_only(302)),
    Case("admin.audit_log", "GET", "/admin/audit", admin_only(200)),
    Case("admin.export_user", "POST", "/admin/users/{victim}/export", admin_only(200)),
    Case("admin.export_user", "POST", "/admin/users/999999/export", admin_only(404)),
    Case("admin.erase_user", "GET", "/admin/users/{victim}/erase", admin_only(200)),
    Case("admin.erase_user", "POST", "/admin/users/{victim}/erase", admin_only(302), ERASE),
    Case("admin.erase_user", "GET", "/admin/users/999999/erase", admin_only(404)),
    Case("admin.erase_deed", "GET", "/admin/deeds/{to_erase}/erase", admin_only(200)),
    Case("admin.erase_deed", "POST", "/admin/deeds/{to_erase}/erase", admin_only(302), ERASE),
    Case("admin.erase_deed", "GET", "/admin/deeds/999999/erase", admin_only(404)),
    Case("workshops.index", "GET", "/workshops", everyone(200)),
    Case("workshops.show", "GET", "/workshops/{workshop}", everyone(200)),
    Case("workshops.show", "GET", "/workshops/999999", everyone(404)),
    Case("workshops.new", "GET", "/workshops/new", leaders(200)),
    Case("workshops.new", "POST", "/workshops/new", leaders(400), {"name": ""}),
    Case("workshops.edit", "GET", "/workshops/{workshop}/edit", leaders(200)),
    Case("workshops.edit", "POST", "/workshops/{workshop}/edit", leaders(400), {"name": ""}),
    Case("workshops.delete", "POST", "/workshops/{workshop_to_delete}/delete", leaders(302)),
    Case("projection.show", "GET", "/projection", leaders(200)),
    Case("projection.show", "GET", "/projection?round={workshop}", leaders(200)),
    Case("projection.live", "GET", "/projection/live?unit={unit}", leaders(200)),
    Case("projection.qr", "GET", "/projection/qr.svg", leaders(200)),
    Case("projection.remote", "GET", "/projection/remote", leaders(200)),
    Case("projection.spotlight", "POST", "/projection/spotlight", leaders(302),
         {"deed_id": "{visible}"}),
    Case("projection.spotlight", "POST", "/projection/spotlight", leaders(404),
         {"deed_id": "{hidden}"}, note="a hidden deed is never put on a screen"),
    Case("projection.release", "POST", "/projection/spotlight/release", leaders(302)),
    Case("projection.create_link", "POST", "/projection/links", leaders(302), {"hours": "24"}),
    Case("projection.revoke_link", "POST", "/projection/links/{link_to_revoke}/revoke",
         leaders(302)),
    Case("projection.link_show", "GET", "/p/{link}", everyone(200, anonymous=200),
         note="a projection link opens without a login"),
    Case("projection.link_show", "GET", "/p/{expired_link}", everyone(410, anonymous=410)),
    Case("projection.link_show", "GET", "/p/{revoked_link}", everyone(410, anonymous=410)),
    Case("projection.link_show", "GET", "/p/{tampered_link}", everyone(404, anonymous=404)),
    Case("projection.link_live", "GET", "/p/{link}/live", everyone(200, anonymous=200)),
    Case("projection.link_live", "GET", "/p/{revoked_link}/live", everyone(410, anonymous=410)),
    Case("projection.link_live", "GET", "/p/{tampered_link}/live", everyone(404, anonymous=404)),
    Case("projection.link_qr", "GET", "/p/{link}/qr.svg", everyone(200, anonymous=200)),
    Case("projection.link_qr", "GET", "/p/{expired_link}/qr.svg", everyone(410, anonymous=410)),
    Case("projection.link_photo", "GET", "/p/{link}/photos/{visible_key}",
         everyone(200, anonymous=200), note="a photo of the link's filter"),
    Case("projection.link_photo", "GET", "/p/{link}/photos/{hidden_key}",
         everyone(404, anonymous=404), note="a hidden deed's photo, even for its supervisor"),
    Case("projection.link_photo", "GET", "/p/{link}/photos/{other_unit_key}",
         everyone(404, anonymous=404), note="a photo outside the link's filter"),
    Case("projection.link_photo", "GET", "/p/{expired_link}/photos/{visible_key}",
         everyone(410, anonymous=410)),
    Case("projection.link_photo", "GET", "/p/{tampered_link}/photos/{visible_key}",
         everyone(404, anonymous=404)),
    # A projection link's token opens nothing outside the link's own pages, however it is sent.
    Case("board.index", "GET", "/?token={link}", everyone(200), note="link token on the board"),
    Case("api.deeds", "GET", "/api/deeds?token={link}", everyone(200, anonymous=401)),
    Case("deeds.show", "GET", "/deeds/{visible}?token={link}", everyone(200)),
    Case("deeds.photo", "GET", "/photos/{visible_key}?token={link}", everyone(200)),
    Case("projection.live", "GET", "/projection/live?token={link}", leaders(200)),
    Case("auth.pin_login", "POST", "/login/pin", everyone(403, anonymous=403),
         {"pin-username": "aino", "pin-pin": "804152"},
         note="no shared-tablet cookie: a PIN is refused before it is looked at"),
    Case("account.pin", "GET", "/account/pin", everyone(200)),
    Case("account.pin", "POST", "/account/pin", everyone(400),
         {"current": "väärä", "pin": "804152", "pin_again": "804152"}),
    Case("account.remove_pin", "POST", "/account/pin/remove", everyone(400),
         {"remove-current": "väärä"}),
    Case("admin.settings", "GET", "/admin/settings", admin_only(200)),
    Case("admin.settings", "POST", "/admin/settings", admin_only(302), {"allow_pins": "y"}),
    Case("devices.alive", "POST", "/api/device/alive", everyone(200, anonymous=401)),
    Case("devices.index", "GET", "/devices", answerable(200, 403) | {"supervisor_other": 200},
         note="supervisors of any unit and admins"),
    Case("devices.revoke", "POST", "/devices/{device}/revoke", answerable(302, 403),
         note="a tablet of unit A"),
    # Review (issue 12): hide with a reason, feature, approve, the review page.
    Case("review.hide", "POST", "/deeds/{to_feature}/hide", answerable(400, 403),
         note="no reason: a Finnish 400 for moderators"),
    Case("review.feature", "POST", "/deeds/{to_feature}/feature", answerable(302, 403)),
    Case("review.feature", "POST", "/deeds/{hidden}/feature", answerable(302, 404),
         note="a hidden deed stays unseen by others"),
    Case("review.unfeature", "POST", "/deeds/{featured}/unfeature", answerable(302, 403)),
    Case("review.approve", "POST", "/deeds/{pending}/approve", answerable(302, 404),
         note="a waiting deed is unseen by all but its author and moderators"),
    Case("review.approve", "POST", "/deeds/{visible}/approve", answerable(302, 403),
         note="on the board already: a no-op for moderators"),
    Case("deeds.show", "GET", "/deeds/{pending}", answerable(200, 404)),
    Case("review.index", "GET", "/review", answerable(200, 403) | {"supervisor_other": 200},
         note="supervisors of any unit (their own units' deeds) and admins"),
    Case("review.index", "GET", "/review?show=pending", answerable(200, 403)
         | {"supervisor_other": 200}),
    Case("review.index", "GET", "/review?show=nonsense", answerable(400, 403)
         | {"supervisor_other": 400}),
    # Comments, my deeds, and the author's own edit and delete.
    Case("deeds.mine", "GET", "/me", everyone(200)),
    Case("deeds.comment", "POST", "/deeds/{visible}/comments", everyone(302),
         {"body": "Hienoa työtä!"}),
    Case("deeds.comment", "POST", "/deeds/{hidden}/comments", answerable(302, 404),
         {"body": "Hienoa työtä!"}, note="hidden: only those who see it"),
    Case("deeds.comment", "POST", "/deeds/{visible}/comments", everyone(400), {"body": "  "},
         note="an empty comment"),
    Case("deeds.delete_comment", "POST", "/comments/{others_comment}/delete", answerable(302, 403),
         note="another's comment on another's deed: its unit's supervisor and admins"),
    Case("deeds.delete_comment", "POST", "/comments/{aino_comment}/delete",
         {**answerable(302, 403), "employee": 302}, note="the comment's writer"),
    Case("deeds.delete_comment", "POST", "/comments/{comment_on_own}/delete",
         {**answerable(302, 403), "employee": 302, "leader": 302},
         note="the deed's author and the comment's writer"),
    Case("deeds.delete_comment", "POST", "/comments/{hidden_comment}/delete", answerable(302, 404)),
    Case("deeds.delete_comment", "POST", "/comments/999999/delete", everyone(404)),
    Case("deeds.thank", "POST", "/deeds/{own_visible}/thanks", {**everyone(302), "employee": 403},
         note="nobody thanks their own deed"),
    Case("deeds.edit", "GET", "/deeds/{own_visible}/edit", {**everyone(403), "employee": 200}),
    Case("deeds.edit", "GET", "/deeds/{visible}/edit", everyone(403)),
    Case("deeds.edit", "GET", "/deeds/{own_hidden}/edit", {**answerable(403, 404), "employee": 200},
         note="the author edits a hidden deed of their own"),
    Case("deeds.edit", "POST", "/deeds/{own_visible}/edit", {**everyone(403), "employee": 400},
         {"description": ""}),
    Case("deeds.edit", "POST", "/deeds/{own_visible}/edit", {**everyone(403), "employee": 302},
         {"description": "Muokattu teko", "unit": "{unit}", "customer_type": "colleague",
          "happened_on": "2026-06-01"}),
    Case("deeds.edit", "POST", "/deeds/{hidden}/edit", answerable(403, 404),
         {"description": "Muokattu teko", "unit": "{unit}", "happened_on": "2026-06-01"}),
    Case("deeds.delete", "GET", "/deeds/{own_to_delete}/delete",
         {**everyone(403), "employee": 200}),
    Case("deeds.delete", "POST", "/deeds/{own_to_delete}/delete",
         {**everyone(403), "employee": 400}, note="not confirmed"),
    Case("deeds.delete", "POST", "/deeds/{visible}/delete", everyone(403), ERASE,
         note="admins erase others' deeds under /admin/"),
    Case("deeds.delete", "POST", "/deeds/{own_to_delete}/delete",
         {**everyone(403), "employee": 302}, ERASE),
    # Municipalities, units and supervisors (the unit is retired and reactivated at once, so
    # the tablet set-up below still finds it in use).
    Case("admin.units", "GET", "/admin/units", admin_only(200)),
    Case("admin.create_unit", "POST", "/admin/units", admin_only(302),
         {"unit-municipality": "1", "unit-name": "Matriisin keittiö"}),
    Case("admin.create_municipality", "POST", "/admin/municipalities", admin_only(302),
         {"municipality-name": "Matriisikunta"}),
    Case("admin.municipality", "GET", "/admin/municipalities/1", admin_only(200)),
    Case("admin.municipality", "POST", "/admin/municipalities/1", admin_only(302),
         {"name": "Juva"}),
    Case("admin.municipality", "GET", "/admin/municipalities/999999", admin_only(404)),
    Case("admin.unit", "GET", "/admin/units/{unit}", admin_only(200)),
    Case("admin.unit", "POST", "/admin/units/{unit}", admin_only(302),
         {"name": "Juvan keskuskeittiö"}),
    Case("admin.unit", "GET", "/admin/units/999999", admin_only(404)),
    Case("admin.add_supervisor", "POST", "/admin/units/{unit}/supervisors", admin_only(302),
         {"username": "sanni"}),
    Case("admin.remove_supervisor", "POST", "/admin/units/{unit}/supervisors/remove",
         admin_only(302), {"username": "sanni"}),
    Case("admin.retire_unit", "POST", "/admin/units/{unit}/retire", admin_only(302)),
    Case("admin.reactivate_unit", "POST", "/admin/units/{unit}/reactivate", admin_only(302)),
    Case("admin.import_users", "GET", "/admin/import", admin_only(200)),
    Case("admin.preview_import", "POST", "/admin/import", admin_only(400), note="no file"),
    Case("admin.confirm_import", "POST", "/admin/import/confirm", admin_only(400),
         {"rows": "forged"}, note="rows the server did not sign"),
    Case("board.export_csv", "GET", "/board/export.csv",
         everyone(200) | {"employee": 403}, note="supervisors, leaders and admins"),
    Case("board.export_zip", "GET", "/board/export.zip",
         everyone(200) | {"employee": 403}, note="supervisors, leaders and admins"),
    Case("insight.index", "GET", "/stats", {**leaders(200), "supervisor_own": 200,
                                             "supervisor_other": 200}),
    Case("insight.report", "GET", "/report?from=2026-01-01&to=2026-12-31",
         {**leaders(200), "supervisor_own": 200, "supervisor_other": 200}),
    # Setting up a tablet signs its maker out: last but the logout.
    Case("devices.index", "POST", "/devices", answerable(302, 403) | {"supervisor_other": 400},
         {"unit": "{unit}", "name": "Keittiö", "idle_minutes": "5", "logout_after_post": "y"},
         note="unit A is not among the other supervisor's choices"),
    Case("auth.logout", "POST", "/logout", everyone(302, anonymous=302)),
]


@pytest.fixture
def matrix_world(app, world):
    """Deeds of unit A by another employee (some hidden), supervisors of A and B, a victim."""
    return build_matrix_world(app, world)


def test_every_route_is_in_the_matrix(app):
    """Each (endpoint, method) of the URL map has at least one case, and no case is stale."""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(case.endpoint, case.method) for case in MATRIX}
    assert routes - covered == set(), "routes without an entry in MATRIX"
    assert covered - routes == set(), "MATRIX entries for routes that no longer exist"


def test_every_case_names_every_role():
    """No role is forgotten in any case."""
    for case in MATRIX:
        assert set(case.expected) == set(ROLES), case


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_expected_status_everywhere(app, client, matrix_world, role):
    """Walk the matrix as one role; collect every mismatch so one run shows them all."""
    if role != "anonymous":
        assert login(client, USERNAMES[role]).status_code == 302
    mismatches = []
    for case in MATRIX:
        path = case.path.format(**matrix_world)
        data = {name: value.format(**matrix_world) for name, value in case.data.items()}
        response = client.open(path, method=case.method, data=data)
        response.close()  # file responses (photos, static) hold an open file until closed
        if response.status_code != case.expected[role]:
            mismatches.append(
                f"{case.method} {path} ({case.note or case.endpoint}): "
                f"got {response.status_code}, expected {case.expected[role]}"
            )
        gated = case.endpoint not in PUBLIC_ENDPOINTS
        if role == "anonymous" and gated and response.status_code == LOGIN:
            assert response.headers["Location"].startswith("/login"), case
    assert mismatches == []


def test_a_route_outside_the_matrix_fails_the_check(app):
    """The completeness check really notices a new route."""
    app.add_url_rule("/new-route", "new_route", lambda: "hi")
    routes = {(rule.endpoint, m) for rule in app.url_map.iter_rules() for m in rule.methods}
    covered = {(case.endpoint, case.method) for case in MATRIX}
    assert ("new_route", "GET") in routes - covered
