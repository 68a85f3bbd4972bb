"""Shared tablets: set-up, revoking, the tablet's login with names and PINs, idle and
post-and-leave sign-outs, and the rules, limits and locks of PINs."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from app.extensions import db
from app.models import AuditAction, AuditEntry, AuthSession, Deed, Device, User
from app.services import accounts, pins, sessions, site
from app.services.errors import Refused
from app.web import device as device_cookie
from tests.conftest import PASSWORD, deed_form, log_in
from tests.security_support import make_deed, make_device, make_user, supervise
from tests.test_sessions import age_session, signed_in

PIN = "804152"


def tablet_client(app, unit_id: int, **settings):
    """A test client whose browser is a tablet set up for the unit (by the service)."""
    device_id, token = make_device(app, unit_id, **settings)
    client = app.test_client()
    with app.test_request_context():
        client.set_cookie(device_cookie.cookie_name(), device_cookie._serializer().dumps(token))
    client.device_id = device_id
    return client


def allow_pins(app, allowed: bool = True) -> None:
    """Turn the admin's PIN switch."""
    with app.app_context():
        site.set_pins_allowed(accounts.find_user("admin"), allowed)
        db.session.remove()


def give_pin(app, username: str = "aino", pin: str = PIN) -> None:
    """Set a user's PIN through the service (PINs allowed first)."""
    with app.app_context():
        user_id = accounts.find_user(username).id
        pins.set_pin(user_id, PASSWORD, pin, app.config["TWO_FACTOR_ROLES"])
        db.session.remove()


def pin_login(client, username: str = "aino", pin: str = PIN):
    """Post the tablet's PIN form."""
    return client.post("/login/pin", data={"pin-username": username, "pin-pin": pin})


def audit_actions(app) -> list[AuditAction]:
    """Every audit action, oldest first."""
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
        db.session.remove()
    return actions


def text_of(response) -> str:
    """The page as text."""
    return response.get_data(as_text=True)


# --- Setting up and revoking ------------------------------------------------------------------


def test_a_supervisor_sets_up_a_tablet_for_their_unit(app, client, world):
    """The cookie is long-lived, HttpOnly and signed; the maker is signed out; the deed form on
    the tablet then presets the tablet's unit, not the user's own."""
    supervise(app, world.unit_id, "riitta")
    with app.app_context():  # aino's own last unit is another one
        db.session.execute(sa.update(User).where(User.username == "aino").values(
            default_unit_id=world.other_unit_id))
        db.session.commit()
        db.session.remove()
    log_in(client, "riitta")
    assert client.get("/devices").status_code == 200

    response = client.post("/devices", data={
        "unit": str(world.unit_id), "name": "Keittiön tabletti", "idle_minutes": "5",
        "logout_after_post": "y",
    })

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=34560000" in cookie
    assert not signed_in(client), "no personal session stays on a shared tablet"
    page = text_of(client.get("/login"))
    assert "Keittiön tabletti" in page and "Juvan keskuskeittiö" in page
    with app.app_context():
        device = db.session.scalar(sa.select(Device))
        assert (device.unit_id, device.idle_minutes, device.logout_after_post) == (
            world.unit_id, 5, True)
        assert device.created_by_id == accounts.find_user("riitta").id
        db.session.remove()
    assert AuditAction.SET_UP_DEVICE in audit_actions(app)
    log_in(client, "aino")
    form = text_of(client.get("/deeds/new"))
    assert re.search(rf'<option selected value="{world.unit_id}">', form)


def test_only_supervisors_of_the_unit_and_admins_set_up_tablets(app, client, world):
    """A supervisor of another unit cannot choose this one; an employee gets no page at all."""
    supervise(app, world.other_unit_id, "riitta")
    log_in(client, "riitta")
    response = client.post("/devices", data={"unit": str(world.unit_id), "name": "X",
                                              "idle_minutes": "5"})
    assert response.status_code == 400
    client.post("/logout")
    log_in(client, "aino")
    assert client.get("/devices").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Device.id))) == 0
        db.session.remove()


@pytest.mark.parametrize("minutes", ["0", "61", "x", ""])
def test_idle_minutes_out_of_range_are_refused_in_finnish(app, client, world, minutes):
    """1-60 minutes: anything else is a 400 with a message and no tablet."""
    log_in(client, "admin")
    response = client.post("/devices", data={"unit": str(world.unit_id), "name": "Tabletti",
                                              "idle_minutes": minutes})
    assert response.status_code == 400
    assert "minuut" in text_of(response).lower()
    assert "device=" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_a_revoked_tablet_is_an_ordinary_browser_again(app, world):
    """Revoking ends the sessions on the tablet; its cookie is ignored (and deleted)."""
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, world.unit_id)
    assert pin_login(tablet).status_code == 302 and signed_in(tablet)
    admin = app.test_client()
    log_in(admin, "admin")

    assert admin.post(f"/devices/{tablet.device_id}/revoke").status_code == 302

    assert not signed_in(tablet)
    login_page = tablet.get("/login")
    assert "Yhteinen tabletti" not in text_of(login_page)
    assert any(c.startswith("device=;") for c in login_page.headers.getlist("Set-Cookie"))
    assert AuditAction.REVOKE_DEVICE in audit_actions(app)


def test_a_revoked_tablet_cannot_sign_in_with_a_pin(app, world):
    """The PIN form answers 403 to a revoked tablet's cookie."""
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, world.unit_id)
    with app.app_context():
        db.session.execute(sa.update(Device).values(revoked_at=dt.datetime.now(dt.UTC)))
        db.session.commit()
        db.session.remove()
    assert pin_login(tablet).status_code == 403
    assert not signed_in(tablet)


def test_a_forged_device_cookie_opens_nothing(app, world):
    """A token signed with another key (or not at all) is never looked up."""
    allow_pins(app)
    give_pin(app)
    _device_id, token = make_device(app, world.unit_id)
    for value in (token, URLSafeSerializer("other-key", salt="tekotaulu-device").dumps(token)):
        client = app.test_client()
        client.set_cookie("device", value)
        assert pin_login(client).status_code == 403
        assert "Yhteinen tabletti" not in text_of(client.get("/login"))


# --- The tablet's login -----------------------------------------------------------------------


def test_the_login_shows_the_units_recent_posters_by_name(app, world):
    """Names of those who posted for the unit in the last 30 days; not other units' posters,
    not older ones, not deactivated people; tapping a name (no script) fills the username."""
    for name in ("pertti", "olli", "vanha", "lahtenyt"):
        make_user(app, name)
    make_deed(app, world.unit_id, "pertti", seed=1)
    make_deed(app, world.other_unit_id, "olli", seed=2)
    old = make_deed(app, world.unit_id, "vanha", seed=3)
    make_deed(app, world.unit_id, "lahtenyt", seed=4)
    with app.app_context():
        when = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
        db.session.execute(sa.update(Deed).where(Deed.id == old).values(created_at=when))
        db.session.commit()
        accounts.set_active("lahtenyt", False)
        db.session.remove()
    tablet = tablet_client(app, world.unit_id)

    page = text_of(tablet.get("/login"))

    tiles = re.findall(r'data-username="([^"]+)"', page)
    assert tiles == ["pertti"]
    picked = text_of(tablet.get("/login?as=pertti"))
    assert 'value="pertti"' in picked and "is-picked" in picked


def test_an_ordinary_browser_gets_the_plain_login(client, world):
    """No names and no PIN form without a tablet cookie."""
    page = text_of(client.get("/login"))
    assert "poster-tile" not in page and "pin-pin" not in page


def test_a_pin_signs_in_on_a_tablet_into_a_tablet_session(app, world):
    """The session carries the tablet: its cookie has no expiry date (no remember-me)."""
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, world.unit_id)
    assert "pin-pin" in text_of(tablet.get("/login"))

    response = pin_login(tablet)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie")
                          if c.startswith("session="))
    assert "Expires" not in session_cookie and "Max-Age" not in session_cookie
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))
    with app.app_context():
        row = db.session.scalar(sa.select(AuthSession))
        assert row.device_id == tablet.device_id
        db.session.remove()


def test_a_password_on_a_tablet_also_makes_a_tablet_session(app, world):
    """However one signs in on the tablet, its idle minutes apply."""
    tablet = tablet_client(app, world.unit_id)
    assert log_in(tablet, "aino").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(AuthSession.device_id)) == tablet.device_id
        db.session.remove()


def test_a_pin_from_an_ordinary_browser_is_refused(app, client, world):
    """Without a set-up tablet a PIN is not even checked: 403 with words."""
    allow_pins(app)
    give_pin(app)
    response = pin_login(client)
    assert response.status_code == 403
    assert "vain yhteisellä tabletilla" in text_of(response)
    assert not signed_in(client)


def test_no_pin_while_the_admin_has_not_allowed_pins(app, world):
    """Off (the default): no PIN form, a PIN is refused, and none can be set."""
    tablet = tablet_client(app, world.unit_id)
    assert "pin-pin" not in text_of(tablet.get("/login"))
    allow_pins(app)
    give_pin(app)
    allow_pins(app, False)

    response = pin_login(tablet)

    assert response.status_code == 403 and "eivät ole käytössä" in text_of(response)
    with app.app_context(), pytest.raises(Refused, match="pins_not_allowed"):
        pins.set_pin(accounts.find_user("kalle").id, PASSWORD, PIN, frozenset({"admin"}))
    assert [a for a in audit_actions(app) if "pins" in a] == [
        AuditAction.ALLOW_PINS, AuditAction.FORBID_PINS]


def test_a_wrong_pin_is_a_400_in_finnish(app, world):
    """Wrong PIN, unknown user or a user without a PIN: the same words."""
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, world.unit_id)
    for username, pin in (("aino", "804153"), ("nobody", PIN), ("kalle", PIN)):
        response = pin_login(tablet, username, pin)
        assert response.status_code == 400
        assert "Väärä nimi tai PIN-koodi." in text_of(response)
    assert not signed_in(tablet)


def test_an_admin_cannot_use_a_pin(app, world):
    """A role that needs a second factor neither sets nor uses a PIN."""
    allow_pins(app)
    with app.app_context():
        admin = accounts.find_user("admin")
        with pytest.raises(Refused, match="pin_role"):
            pins.set_pin(admin.id, PASSWORD, PIN, app.config["TWO_FACTOR_ROLES"])
        # Even a PIN stored before the role changed is not accepted.
        db.session.execute(sa.update(User).where(User.id == admin.id).values(
            pin_hash=accounts.find_user("aino").password_hash))
        db.session.commit()
        db.session.remove()
    tablet = tablet_client(app, world.unit_id)
    response = pin_login(tablet, "admin", PASSWORD)
    assert response.status_code == 400 and not signed_in(tablet)


# --- PIN rules, limits and locks --------------------------------------------------------------


@pytest.mark.parametrize("pin", ["804152", "5937210", "27182845", "904613225871"])
def test_good_pins_pass_the_rules(pin):
    """Six to twelve digits without a pattern."""
    pins.check_pin_rules(pin)


@pytest.mark.parametrize(("pin", "reason"), [
    ("80415", "pin_length"), ("8041528041528", "pin_length"), ("", "pin_not_digits"),
    ("80415a", "pin_not_digits"), ("８０４１５２", "pin_not_digits"), (" 804152", "pin_not_digits"),
    ("123456", "pin_trivial"), ("654321", "pin_trivial"), ("890123", "pin_trivial"),
    ("111111", "pin_trivial"), ("000000000", "pin_trivial"), ("121212", "pin_trivial"),
    ("123123", "pin_trivial"), ("112233", "pin_trivial"), ("1234567890", "pin_trivial"),
])
def test_trivial_or_malformed_pins_are_refused(pin, reason):
    """Too short or long, not digits, a run, a repeated block, a common PIN."""
    with pytest.raises(Refused, match=reason):
        pins.check_pin_rules(pin)


def test_setting_and_removing_ones_pin_needs_the_password_and_is_logged(app, client, world):
    """The account page: wrong password refused; set, then removed; both in the audit log."""
    allow_pins(app)
    log_in(client, "aino")
    assert "Tallenna PIN-koodi" in text_of(client.get("/account/pin"))
    wrong = client.post("/account/pin", data={"current": "väärä", "pin": PIN, "pin_again": PIN})
    assert wrong.status_code == 400 and "Nykyinen salasana ei ole oikein." in text_of(wrong)
    trivial = client.post("/account/pin", data={"current": PASSWORD, "pin": "123456",
                                                "pin_again": "123456"})
    assert trivial.status_code == 400 and "liian helppo arvata" in text_of(trivial)
    mismatch = client.post("/account/pin", data={"current": PASSWORD, "pin": PIN,
                                                 "pin_again": "804153"})
    assert mismatch.status_code == 400 and "eivät täsmää" in text_of(mismatch)

    assert client.post("/account/pin", data={"current": PASSWORD, "pin": PIN,
                                             "pin_again": PIN}).status_code == 302
    with app.app_context():
        user = accounts.find_user("aino")
        assert user.pin_hash and PIN not in user.pin_hash and user.check_pin(PIN)
        db.session.remove()
    assert client.post("/account/pin/remove",
                       data={"remove-current": PASSWORD}).status_code == 302
    with app.app_context():
        assert accounts.find_user("aino").pin_hash is None
        db.session.remove()
    actions = audit_actions(app)
    assert actions[-2:] == [AuditAction.SET_PIN, AuditAction.REMOVE_PIN]


def test_five_wrong_pins_lock_it_until_the_password_is_used(app_config, request):
    """The lock holds against the right PIN; it is logged; the password opens it again."""
    app_config["LOGIN_RATE_LIMIT"] = "100/minute"
    app = request.getfixturevalue("app")
    request.getfixturevalue("world")
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, request.getfixturevalue("world").unit_id)
    for _ in range(pins.PIN_MAX_FAILURES):
        assert pin_login(tablet, pin="804153").status_code == 400

    locked = pin_login(tablet)

    assert locked.status_code == 400 and "Kirjaudu salasanalla" in text_of(locked)
    assert not signed_in(tablet)
    assert audit_actions(app).count(AuditAction.LOCK_PIN) == 1
    assert log_in(tablet, "aino").status_code == 302
    tablet.post("/logout")
    assert pin_login(tablet).status_code == 302 and signed_in(tablet)


def test_pins_are_rate_limited_per_user(app_config, request):
    """Past the per-user limit: 429, even with the right PIN, on any tablet."""
    app_config["LOGIN_RATE_LIMIT"] = "3/minute"
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    allow_pins(app)
    give_pin(app)
    first = tablet_client(app, world.unit_id)
    for _ in range(3):
        assert pin_login(first, pin="804153").status_code == 400
    second = tablet_client(app, world.other_unit_id)

    response = pin_login(second)

    assert response.status_code == 429 and "Liian monta yritystä" in text_of(response)
    assert "Retry-After" in response.headers


def test_pins_are_rate_limited_per_tablet(app_config, request):
    """Guessing across many users on one tablet runs into the tablet's own limit."""
    app_config["PIN_DEVICE_RATE_LIMIT"] = "4/minute"
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, world.unit_id)
    for username in ("riitta", "kalle", "pertti", "olli"):
        assert pin_login(tablet, username, "804153").status_code == 400

    assert pin_login(tablet).status_code == 429
    assert pin_login(tablet_client(app, world.unit_id)).status_code == 302


def test_a_right_pin_gives_its_count_back(app_config, request):
    """A tablet used all day by many people never runs into the limit by itself."""
    app_config["PIN_DEVICE_RATE_LIMIT"] = "2/minute"
    app = request.getfixturevalue("app")
    world = request.getfixturevalue("world")
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, world.unit_id)
    for _ in range(4):
        assert pin_login(tablet).status_code == 302
        tablet.post("/logout")


# --- Signing out: idle, after posting ---------------------------------------------------------


def test_the_server_ends_an_idle_tablet_session_after_the_tablets_minutes(app, world):
    """Two minutes on this tablet, however long sessions may idle elsewhere (30 min)."""
    tablet = tablet_client(app, world.unit_id, idle_minutes=2)
    desk = app.test_client()
    log_in(tablet, "aino")
    log_in(desk, "riitta")
    age_session(app, "aino", last_seen_at=dt.timedelta(seconds=100))
    assert signed_in(tablet), "still within the two minutes"
    age_session(app, "aino", last_seen_at=dt.timedelta(minutes=2, seconds=10))
    age_session(app, "riitta", last_seen_at=dt.timedelta(minutes=10))

    response = tablet.get("/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "ei käytetty vähään aikaan" in text_of(tablet.get("/login"))
    assert signed_in(desk)


def test_a_tablet_session_lasts_at_most_eight_hours(app, world):
    """The absolute limit is shorter on a shared tablet (12 h elsewhere)."""
    tablet = tablet_client(app, world.unit_id)
    log_in(tablet, "aino")
    age_session(app, "aino", created_at=dt.timedelta(hours=8, minutes=1))
    assert not signed_in(tablet)


def test_the_keep_alive_resets_the_servers_idle_clock(app, world):
    """Taps and scrolling (the script's POST) count as use, though no page is loaded."""
    tablet = tablet_client(app, world.unit_id, idle_minutes=2)
    log_in(tablet, "aino")
    age_session(app, "aino", last_seen_at=dt.timedelta(seconds=110))
    response = tablet.post("/api/device/alive")
    assert response.status_code == 200 and response.json == {"idle_seconds": 120}
    age_session(app, "aino", last_seen_at=dt.timedelta(seconds=60))
    assert signed_in(tablet)


def test_the_idle_bar_is_on_tablet_pages_only(app, client, world):
    """The countdown bar and its script come with a tablet session, not elsewhere."""
    tablet = tablet_client(app, world.unit_id)
    log_in(tablet, "aino")
    log_in(client, "aino")
    page = text_of(tablet.get("/"))
    assert 'data-idle-seconds="300"' in page and "idle-logout" in page
    assert "Kirjaudutaan ulos" in page and "Jatka" in page
    assert "idle-bar" not in text_of(client.get("/"))


def test_an_idle_logout_says_why(app, world):
    """The script's logout form carries the reason; the login page tells it."""
    tablet = tablet_client(app, world.unit_id)
    log_in(tablet, "aino")
    response = tablet.post("/logout", data={"reason": "idle"}, follow_redirects=True)
    assert "ei käytetty vähään aikaan" in text_of(response)


def test_posting_on_the_tablet_signs_out_through_the_form(app, world):
    """Without scripts: the deed is made, the poster is signed out and told so."""
    tablet = tablet_client(app, world.unit_id)
    log_in(tablet, "aino")

    response = tablet.post("/deeds/new", data=deed_form(world.unit_id))

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert "Teko on taululla. Sinut kirjattiin ulos." in text_of(tablet.get("/login"))
    assert not signed_in(tablet)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deed.id))) == 1
        db.session.remove()


def test_posting_on_the_tablet_signs_out_through_the_api(app, world):
    """The form's script gets the login page as where to go next."""
    tablet = tablet_client(app, world.unit_id)
    log_in(tablet, "aino")

    response = tablet.post("/api/deeds", data=deed_form(world.unit_id),
                           headers={"Accept": "application/json"})

    assert response.status_code == 201 and response.json["redirect"] == "/login"
    assert "Teko on taululla. Sinut kirjattiin ulos." in text_of(tablet.get("/login"))
    assert not signed_in(tablet)


def test_a_tablet_set_to_stay_signed_in_after_posting_does(app, world):
    """The setting off: the board, still signed in; the outbox's sends never sign out."""
    tablet = tablet_client(app, world.unit_id, logout_after_post=False)
    log_in(tablet, "aino")
    response = tablet.post("/api/deeds", data=deed_form(world.unit_id))
    assert response.json["redirect"] == "/" and signed_in(tablet)
    other = tablet_client(app, world.unit_id)
    log_in(other, "riitta")
    queued = other.post("/api/deeds", data=deed_form(world.unit_id, **{"from": "outbox"}))
    assert queued.json["redirect"] == "/" and signed_in(other)


def test_the_sessions_list_drops_an_idle_tablet_session(app, client, world):
    """One's list of sessions counts a tablet's session gone after the tablet's minutes."""
    tablet = tablet_client(app, world.unit_id, idle_minutes=2)
    log_in(tablet, "aino")
    log_in(client, "aino")
    with app.app_context():
        before = len(sessions.active_sessions(accounts.find_user("aino").id))
        db.session.execute(sa.update(AuthSession).where(AuthSession.device_id.is_not(None))
                           .values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)))
        db.session.commit()
        after = len(sessions.active_sessions(accounts.find_user("aino").id))
        db.session.remove()
    assert (before, after) == (2, 1)


def test_a_pin_sign_in_is_not_a_recently_entered_password(app, world):
    """Pages that ask for the password again (reauth) still ask after a PIN."""
    allow_pins(app)
    give_pin(app)
    tablet = tablet_client(app, world.unit_id)
    assert pin_login(tablet).status_code == 302
    with tablet.session_transaction() as cookie_session:
        assert "auth_at" not in cookie_session
