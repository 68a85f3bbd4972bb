"""Errors as people see them: one table from a service's reason to a status and Finnish words,
and one handler for every HTTP error (a Finnish page, or JSON under /api/), never a traceback."""

import logging
from dataclasses import dataclass
from typing import NoReturn

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.labels import label
from app.services.errors import NotAllowed, NotFound, ServiceError

FALLBACK_500 = "Jokin meni vikaan. Yritä hetken päästä uudelleen."


@dataclass(frozen=True)
class Refusal:
    """How a refusal is answered: the status, the words, and the form field they belong to."""

    status: int
    message: object
    field: str | None = None


REFUSALS: dict[str, Refusal] = {
    "not_found": Refusal(404, _l("Sivua ei löytynyt.")),
    # A deed or photo one may not see looks exactly like one that does not exist.
    "deed_not_found": Refusal(404, _l("Sivua ei löytynyt.")),
    "photo_not_found": Refusal(404, _l("Sivua ei löytynyt.")),
    "user_not_found": Refusal(404, _l("Käyttäjää ei löytynyt: %(name)s")),
    # Used, expired, replaced and made-up links all look the same.
    "link_not_found": Refusal(404, _l(
        "Linkki ei ole enää voimassa. Pyydä esihenkilöltäsi tai ylläpitäjältä uusi linkki.")),
    "user_inactive": Refusal(400, _l("Käyttäjätunnus ei ole käytössä.")),
    "unit_not_found": Refusal(404, _l("Yksikköä ei löytynyt: %(id)s")),
    "municipality_not_found": Refusal(404, _l("Kuntaa ei löytynyt: %(name)s")),
    "not_allowed": Refusal(403, _l("Sinulla ei ole oikeutta tähän.")),
    "refused": Refusal(400, _l("Tiedoissa oli jotain vikaa. Tarkista ne ja yritä uudelleen.")),
    "consent_missing": Refusal(
        400,
        _l("Rastita ruutu, jos kuvassa ei ole tunnistettavia henkilöitä tai heiltä on lupa "
           "kuvaan."),
        "consent",
    ),
    "unit_unknown": Refusal(400, _l("Valitse yksikkö listasta."), "unit"),
    "photo_empty": Refusal(
        400, _l("Kuvatiedosto on tyhjä. Ota kuva uudelleen tai valitse toinen kuva."), "photo"
    ),
    "photo_not_an_image": Refusal(
        400, _l("Tiedosto ei ole kuva. Valitse JPEG-, PNG-, WebP-, HEIC-, AVIF- tai GIF-kuva."),
        "photo",
    ),
    "photo_unsupported_format": Refusal(
        400, _l(
            "Tätä kuvamuotoa ei voi käyttää. Valitse JPEG-, PNG-, WebP-, HEIC-, AVIF- tai "
            "GIF-kuva."
        ),
        "photo",
    ),
    "photo_kept_gone": Refusal(
        400, _l("Edellinen kuva ei ole enää tallessa. Ota kuva uudelleen tai valitse kuva."),
        "photo",
    ),
    "photo_too_many_pixels": Refusal(
        400, _l("Kuva on liian suuri. Valitse pienempi kuva."), "photo"
    ),
    "photo_truncated": Refusal(
        400,
        _l("Kuva on vioittunut tai jäänyt kesken. Ota kuva uudelleen tai valitse toinen kuva."),
        "photo",
    ),
    "username_invalid": Refusal(
        400,
        _l("Käyttäjätunnuksessa pitää olla 2–64 merkkiä: pieniä kirjaimia a–z, numeroita, "
           "pisteitä, väliviivoja tai alaviivoja."),
        "username",
    ),
    "username_taken": Refusal(400, _l("Käyttäjätunnus on jo käytössä."), "username"),
    "display_name_length": Refusal(
        400, _l("Anna nimi (enintään %(max)s merkkiä)."), "display_name"
    ),
    "units_unknown": Refusal(400, _l("Valitse yksiköt listasta."), "units"),
    "default_unit_unknown": Refusal(400, _l("Valitse yksikkö listasta."), "default_unit"),
    "deactivate_self": Refusal(400, _l("Et voi poistaa omaa tunnustasi käytöstä.")),
    "demote_self": Refusal(400, _l("Et voi vaihtaa omaa rooliasi."), "role"),
    "last_admin": Refusal(
        400, _l("Vähintään yhden ylläpitäjän on oltava käytössä. Lisää ensin toinen ylläpitäjä."),
        "role",
    ),
    "admin_exists": Refusal(400, _l("Ylläpitäjä on jo luotu."), "username"),
    "password_too_short": Refusal(
        400, _l("Salasanassa pitää olla vähintään %(n)s merkkiä."), "password"
    ),
    "password_too_long": Refusal(
        400, _l("Salasana on liian pitkä (enintään %(n)s merkkiä)."), "password"
    ),
    "password_has_username": Refusal(
        400, _l("Salasanassa ei saa olla käyttäjätunnusta."), "password"
    ),
    "password_common": Refusal(
        400, _l("Salasana on liian helppo arvata. Keksi pidempi lause tai sanapari."), "password"
    ),
    "password_wrong": Refusal(400, _l("Nykyinen salasana ei ole oikein."), "current"),
    "password_unchanged": Refusal(
        400, _l("Uusi salasana on sama kuin nykyinen. Keksi uusi."), "new"
    ),
    "code_wrong": Refusal(400, _l("Koodi ei kelpaa. Kirjoita sovelluksen uusin koodi."), "code"),
    "second_factor_missing": Refusal(
        400, _l("Kaksivaiheista tunnistautumista ei ole vielä otettu käyttöön.")
    ),
    "reset_own_second_factor": Refusal(
        400, _l("Omaa kaksivaiheista tunnistautumistasi et voi poistaa täältä.")
    ),
    "unit_name_length": Refusal(400, _l("Yksikön nimessä pitää olla 2–120 merkkiä."), "name"),
    "unit_exists": Refusal(400, _l("Kunnassa on jo tämän niminen yksikkö."), "name"),
    "municipality_name_length": Refusal(
        400, _l("Kunnan nimessä pitää olla 2–%(max)s merkkiä."), "name"),
    "municipality_exists": Refusal(400, _l("Tämän niminen kunta on jo olemassa."), "name"),
    "import_file_empty": Refusal(400, _l("Tiedosto on tyhjä. Valitse CSV-tiedosto, jossa on "
                                         "otsikkorivi ja käyttäjät."), "file"),
    "import_file_too_big": Refusal(
        400, _l("Tiedosto on liian suuri (yli %(kb)s kt). Jaa se pienempiin osiin."), "file"),
    "import_encoding": Refusal(400, _l(
        "Tiedostoa ei voi lukea tekstinä. Tallenna se Excelissä muodossa CSV UTF-8 "
        "(pilkuin tai puolipistein eroteltu) ja yritä uudelleen."), "file"),
    "import_header": Refusal(400, _l(
        "Ensimmäiseltä riviltä puuttuu sarake: %(missing)s. Sarakkeet ovat käyttäjätunnus, "
        "nimi, yksikkö ja rooli."), "file"),
    "import_too_many_rows": Refusal(
        400, _l("Tiedostossa on yli %(max)s riviä. Jaa se pienempiin osiin."), "file"),
    "import_no_rows": Refusal(400, _l("Tiedostossa ei ole yhtään käyttäjää."), "file"),
    "import_expired": Refusal(400, _l(
        "Esikatselu on vanhentunut tai sitä on muutettu. Lataa tiedosto uudelleen."), "file"),
    # One row's problems in a file's preview: shown beside the row, the file refused as a whole.
    "import_formula": Refusal(400, _l(
        "Solu alkaa merkillä =, +, - tai @ kuin taulukon kaava. Poista merkki solun alusta.")),
    "import_username_missing": Refusal(400, _l("Käyttäjätunnus puuttuu.")),
    "import_username_twice": Refusal(400, _l("Sama käyttäjätunnus on jo rivillä %(line)s.")),
    "import_name_missing": Refusal(400, _l("Nimi puuttuu.")),
    "import_name_too_long": Refusal(400, _l("Nimi on liian pitkä (enintään %(max)s merkkiä).")),
    "import_unit_missing": Refusal(400, _l("Yksikkö puuttuu.")),
    "import_unit_unknown": Refusal(400, _l("Yksikköä ei löytynyt: %(name)s")),
    "import_unit_ambiguous": Refusal(400, _l(
        "Samanniminen yksikkö on useassa kunnassa. Lisää tiedostoon sarake ”kunta”.")),
    "import_unit_retired": Refusal(400, _l("Yksikkö ei ole enää käytössä: %(name)s")),
    "import_role_unknown": Refusal(400, _l(
        "Tuntematon rooli: %(role)s. Käytä sanoja työntekijä, esihenkilö, vetäjä tai "
        "ylläpitäjä.")),
    "import_invalid": Refusal(400, _l(
        "Tiedoissa on virheitä, joten ketään ei lisätty. Korjaa rivit ja lataa tiedosto "
        "uudelleen."), "file"),
    "job_busy": Refusal(409, _l(
        "Työ %(job)s on jo käynnissä toisella palvelimella (%(holder)s, alkoi %(since)s).")),
    "not_a_supervisor": Refusal(
        400, _l("Vain esihenkilö voi vastata yksiköstä (käyttäjän rooli: %(role)s).")
    ),
    "erase_self": Refusal(400, _l("Et voi poistaa omaa tunnustasi."), "confirm"),
    "workshop_not_found": Refusal(404, _l("Työpajaa ei löytynyt.")),
    "workshop_name_length": Refusal(
        400, _l("Anna työpajalle nimi (enintään %(max)s merkkiä)."), "name"
    ),
    "workshop_theme_length": Refusal(
        400, _l("Teema on liian pitkä (enintään %(max)s merkkiä)."), "theme"
    ),
    "workshop_municipality_unknown": Refusal(400, _l("Valitse kunta listasta."), "municipality"),
    "workshop_start_taken": Refusal(
        400, _l("Samaan aikaan alkaa jo toinen työpaja. Valitse toinen alkamisaika."), "start_time"
    ),
    "workshop_leader_unknown": Refusal(
        400, _l("Vetäjäksi voi valita vain työpajan vetäjän tai ylläpitäjän."), "leaders"
    ),
    "projection_link_hours": Refusal(
        400, _l("Linkki voi olla voimassa 1–%(max)s tuntia."), "hours"
    ),
    "projection_link_not_found": Refusal(404, _l("Projektorilinkkiä ei löytynyt.")),
    "projection_link_revoked": Refusal(
        410, _l("Tämä projektorilinkki on peruttu. Pyydä työpajan vetäjältä uusi linkki.")
    ),
    "projection_link_expired": Refusal(
        410, _l("Tämä projektorilinkki on vanhentunut. Pyydä työpajan vetäjältä uusi linkki.")
    ),
    "device_not_found": Refusal(404, _l("Tablettia ei löytynyt.")),
    "device_name_invalid": Refusal(
        400, _l("Anna tabletille nimi (enintään %(n)s merkkiä)."), "name"
    ),
    "device_idle_invalid": Refusal(
        400, _l("Anna minuutit väliltä %(low)s–%(high)s."), "idle_minutes"
    ),
    "pin_not_digits": Refusal(400, _l("PIN-koodissa saa olla vain numeroita."), "pin"),
    "pin_length": Refusal(400, _l("PIN-koodissa pitää olla %(low)s–%(high)s numeroa."), "pin"),
    "pin_trivial": Refusal(
        400, _l("PIN-koodi on liian helppo arvata (esim. 123456 tai 111111). Keksi toinen."),
        "pin",
    ),
    "pins_not_allowed": Refusal(400, _l("PIN-koodit eivät ole käytössä."), "pin"),
    "pin_role": Refusal(
        400, _l("Ylläpitäjä kirjautuu salasanalla ja tunnistuskoodilla, ei PIN-koodilla."), "pin"
    ),
    "pin_wrong": Refusal(400, _l("Väärä nimi tai PIN-koodi."), "pin"),
    "pin_locked": Refusal(
        400,
        _l("PIN-koodi on lukittu liian monen väärän yrityksen jälkeen. Kirjaudu salasanalla."),
        "pin",
    ),
    "hide_reason_missing": Refusal(
        400, _l("Kerro tekijälle, miksi teko piilotetaan: valitse syy tai kirjoita oma."), "reason"
    ),
    "hide_reason_length": Refusal(
        400, _l("Syy on liian pitkä: enintään %(max)s merkkiä."), "reason"
    ),
    "thanks_own_deed": Refusal(403, _l("Omaa tekoa ei voi kiittää. Kiitä jonkun toisen tekoa!")),
    "comment_not_found": Refusal(404, _l("Kommenttia ei löytynyt. Se on ehkä jo poistettu.")),
    "comment_length": Refusal(
        400, _l("Kommentissa pitää olla 1–%(max)s merkkiä."), "body"
    ),
    "retention_months_invalid": Refusal(
        400, _l("Säilytysaika %(months)s kuukautta ei käy: anna 1–%(max)s kuukautta.")
    ),
}


def refusal_of(error: ServiceError) -> Refusal:
    """Find how a service's refusal is answered (by its reason, else by its kind)."""
    if error.reason in REFUSALS:
        return REFUSALS[error.reason]
    if isinstance(error, NotFound):
        return REFUSALS["not_found"]
    if isinstance(error, NotAllowed):
        return REFUSALS["not_allowed"]
    return REFUSALS["refused"]


def message_of(error: ServiceError) -> str:
    """The Finnish (or chosen language's) words for a service's refusal."""
    details = {k: label(v) if hasattr(v, "value") else v for k, v in error.details.items()}
    text = str(refusal_of(error).message)
    try:
        return text % details if details else text
    except (KeyError, TypeError, ValueError):  # a message that takes no such detail
        return text


class Refused(HTTPException):
    """An HTTP refusal that carries words for the person (a 400 with a reason, say)."""

    def __init__(self, code: int, message: str | None, headers: dict[str, str]) -> None:
        self.code = code
        self.extra_headers = headers
        super().__init__(description=message)


def refuse(code: int, message: str | None = None, **headers: object) -> NoReturn:
    """Stop the request with this status, these words (else the status's own) and headers.

    Header names are given with underscores: retry_after=30 sends Retry-After: 30.
    """
    names = {name.replace("_", "-").title(): str(value) for name, value in headers.items()}
    raise Refused(code, message, names)


def init_app(app: Flask) -> None:
    """Answer service refusals and HTTP errors through one handler."""
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def error_message(code: int) -> str:
    """Say what went wrong and what to do, in plain words."""
    messages = {
        400: _("Tiedoissa oli jotain vikaa. Tarkista ne ja yritä uudelleen."),
        401: _("Kirjaudu ensin sisään."),
        403: _("Sinulla ei ole oikeutta tähän."),
        404: _("Sivua ei löytynyt."),
        405: _("Tätä toimintoa ei voi tehdä näin."),
        413: _("Kuva on liian suuri (yli %(mb)s Mt). Valitse pienempi kuva.", mb=_max_upload_mb()),
        429: _("Liian monta yritystä. Odota hetki ja yritä uudelleen."),
    }
    return messages.get(code, _("Jokin meni vikaan. Yritä hetken päästä uudelleen."))


def _max_upload_mb() -> int:
    """Return the upload limit in megabytes."""
    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)


def wants_json() -> bool:
    """Tell whether a script asked for JSON rather than a page."""
    return request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str, reason: str | None = None):
    """A Finnish error page, or JSON for scripts and under /api/, with the status.

    A reason in the JSON lets a script act on the kind of error (e.g. fetch a new token).
    """
    log_http_error(code)
    if request.path.startswith("/api/") or wants_json():
        return jsonify(error=message, **({"reason": reason} if reason else {})), code
    return render_template("errors/error.html", code=code, message=message), code


def handle_service_error(error: ServiceError):
    """A refusal no route answered itself: its status and words on the error page."""
    return error_response(refusal_of(error).status, message_of(error))


def handle_http_error(error: HTTPException):
    """Answer an HTTP error with a Finnish page or JSON, keeping its status."""
    code = error.code or 500
    if code < 400:  # routing redirects are HTTPExceptions too
        return error
    refused = isinstance(error, Refused)
    message = error.description if refused and error.description else error_message(code)
    if code == 413 and not _body_too_large():
        message = _("Lomakkeessa on liian monta osaa. Päivitä sivu ja yritä uudelleen.")
    response, status = error_response(code, str(message))
    if refused:
        response = make_response(response, status)
        response.headers.update(error.extra_headers)
        return response
    return response, status


def _body_too_large() -> bool:
    """Tell a 413 for a too large body from one for too many form parts."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return limit is None or request.content_length is None or request.content_length > limit


def log_http_error(code: int) -> None:
    """Log refusals: access and rate-limit ones as warnings (worth a look), the rest as info."""
    level = logging.WARNING if code in (401, 403, 429) else logging.INFO
    current_app.logger.log(level, "%s %s -> %s", request.method, request.path, code)


def handle_csrf_error(error: CSRFError):
    """A missing or stale form token: say how to recover instead of a bare 400."""
    return error_response(400, _(
        "Lomake on vanhentunut. Päivitä sivu ja yritä uudelleen."
    ), reason="csrf")


def handle_unexpected_error(error: Exception):
    """Log an unexpected error and show a calm 500 page."""
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s", request.path)
    try:
        return handle_http_error(InternalServerError())
    except Exception:  # the error page itself failed (e.g. the database is down): plain text
        current_app.logger.exception("Error page failed on %s", request.path)
        return FALLBACK_500, 500, {"Content-Type": "text/plain; charset=utf-8"}
