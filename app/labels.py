"""The words shown for stored values (roles, customer types, audit actions): one place."""

import enum

from flask_babel import lazy_gettext as _l

from app.models import AuditAction, AuditEntry, CustomerType, Role

LABELS: dict[enum.Enum, object] = {
    CustomerType.END_CUSTOMER: _l("Loppuasiakas"),
    CustomerType.MUNICIPALITY: _l("Kunta"),
    CustomerType.MUNICIPAL_STAFF: _l("Kunnan henkilöstö"),
    CustomerType.COLLEAGUE: _l("Työkaveri"),
    Role.EMPLOYEE: _l("Työntekijä"),
    Role.SUPERVISOR: _l("Esihenkilö"),
    Role.LEADER: _l("Työpajan vetäjä"),
    Role.ADMIN: _l("Ylläpitäjä"),
    AuditAction.HIDE: _l("piilotti teon"),
    AuditAction.UNHIDE: _l("palautti teon"),
    AuditAction.ERASE_DEED: _l("poisti teon"),
    AuditAction.ERASE_USER: _l("poisti käyttäjän"),
    AuditAction.RETENTION: _l("säilytysaika päättyi: teko poistettu"),
    AuditAction.EXPORT: _l("vei käyttäjän tiedot"),
    AuditAction.END_SESSIONS: _l("lopetti käyttäjän kirjautumiset"),
    AuditAction.RESET_SECOND_FACTOR: _l("poisti käyttäjän kaksivaiheisen tunnistautumisen"),
    AuditAction.CREATE_PROJECTION_LINK: _l("loi projektorilinkin"),
    AuditAction.REVOKE_PROJECTION_LINK: _l("perui projektorilinkin"),
    AuditAction.DELETE_WORKSHOP: _l("poisti työpajan"),
    AuditAction.SET_UP_DEVICE: _l("otti tabletin yhteiseen käyttöön"),
    AuditAction.REVOKE_DEVICE: _l("poisti tabletin yhteisestä käytöstä"),
    AuditAction.SET_PIN: _l("asetti PIN-koodin"),
    AuditAction.REMOVE_PIN: _l("poisti PIN-koodin"),
    AuditAction.LOCK_PIN: _l("PIN-koodi lukittui väärien yritysten jälkeen"),
    AuditAction.ALLOW_PINS: _l("salli PIN-koodit"),
    AuditAction.FORBID_PINS: _l("kielsi PIN-koodit"),
    AuditAction.ISSUE_ONBOARDING_LINK: _l("loi aloituslinkin"),
    AuditAction.ISSUE_RESET_LINK: _l("loi salasanan vaihtolinkin"),
    AuditAction.USE_ACCESS_LINK: _l("asetti salasanan linkillä"),
    AuditAction.CREATE_USER: _l("lisäsi käyttäjän"),
    AuditAction.EDIT_USER: _l("muokkasi käyttäjää"),
    AuditAction.DEACTIVATE_USER: _l("poisti käyttäjän käytöstä"),
    AuditAction.REACTIVATE_USER: _l("otti käyttäjän takaisin käyttöön"),
    AuditAction.FEATURE: _l("nosti teon"),
    AuditAction.UNFEATURE: _l("perui teon noston"),
    AuditAction.APPROVE: _l("hyväksyi teon"),
    AuditAction.REQUIRE_APPROVAL: _l("otti tekojen tarkistuksen käyttöön"),
    AuditAction.END_APPROVAL: _l("lopetti tekojen tarkistuksen"),
    AuditAction.EDIT_DEED: _l("muokkasi tekoa"),
    AuditAction.DELETE_COMMENT: _l("poisti kommentin"),
    AuditAction.CREATE_MUNICIPALITY: _l("lisäsi kunnan"),
    AuditAction.RENAME_MUNICIPALITY: _l("nimesi kunnan uudelleen"),
    AuditAction.CREATE_UNIT: _l("lisäsi yksikön"),
    AuditAction.RENAME_UNIT: _l("nimesi yksikön uudelleen"),
    AuditAction.RETIRE_UNIT: _l("poisti yksikön käytöstä"),
    AuditAction.REACTIVATE_UNIT: _l("otti yksikön takaisin käyttöön"),
    AuditAction.ADD_SUPERVISOR: _l("lisäsi yksikölle esihenkilön"),
    AuditAction.REMOVE_SUPERVISOR: _l("poisti yksiköltä esihenkilön"),
    AuditAction.IMPORT_USERS: _l("toi käyttäjiä tiedostosta"),
    AuditAction.EXPORT_BOARD_CSV: _l("vei taulun teot CSV-tiedostona"),
    AuditAction.EXPORT_BOARD_ZIP: _l("vei taulun tekojen kuvat ZIP-tiedostona"),
}

# What an audit entry points at (a plain string column, not an enum).
TARGET_LABELS = {
    "deed": _l("teko"),
    "user": _l("käyttäjä"),
    "workshop": _l("työpaja"),
    "projection_link": _l("projektorilinkki"),
    "device": _l("tabletti"),
    "site": _l("sivusto"),
    "municipality": _l("kunta"),
    "unit": _l("yksikkö"),
    "board": _l("taulu"),
}


# The fields an audit entry's changes name (app.services.audit.changed_fields callers).
FIELD_LABELS = {
    "description": _l("teksti"),
    "unit_id": _l("yksikkö"),
    "happened_on": _l("päivä"),
    "customer_type": _l("asiakastyyppi"),
    "visibility": _l("näkyvyys"),
    "reason": _l("syy"),
    "featured": _l("nostettu"),
    "supervisor": _l("esihenkilö"),
    "name": _l("nimi"),
    "municipality": _l("kunta"),
    "active": _l("käytössä"),
    "filter": _l("rajaus"),
    "users": _l("käyttäjät"),
    "comment_id": _l("kommentti"),
    "username": _l("käyttäjätunnus"),
    "display_name": _l("nimi"),
    "role": _l("rooli"),
    "default_unit": _l("oma yksikkö"),
    "units": _l("esihenkilönä yksiköissä"),
}

# Stored values in those changes that have a word of their own.
VALUE_LABELS = {
    "description": {False: _l("aiempi"), True: _l("muutettu")},  # the words stay out of the log
    "visibility": {"visible": _l("näkyvissä"), "hidden": _l("piilotettu"),
                   "pending": _l("odottaa tarkistusta")},
    "role": {role.value: text for role, text in LABELS.items() if isinstance(role, Role)},
    "customer_type": {kind.value: text for kind, text in LABELS.items()
                      if isinstance(kind, CustomerType)},
}


# Quick choices for why a deed is hidden (the author reads the chosen words).
HIDE_REASONS = (
    _l("Tunnistettava henkilö ilman lupaa"),
    _l("Kuvassa näkyy henkilö- tai asiakastietoja"),
    _l("Teksti ei sovi taululle"),
    _l("Sama teko on jo taululla"),
    _l("Ei kerro asiakkaan ilahduttamisesta"),
)


def label(value: enum.Enum) -> str:
    """Return the interface word for a stored value, in the current language."""
    return str(LABELS[value])


def target_label(target_type: str) -> str:
    """Return the word for what an audit entry points at."""
    return str(TARGET_LABELS.get(target_type, target_type))


def field_label(field: str) -> str:
    """Return the word for a field named in an audit entry's changes."""
    return str(FIELD_LABELS.get(field, field))


def change_value(field: str, value: object, unit_names: dict[int, str]) -> str:
    """Word a before/after value of an audit change: a unit's name, a known value's label,
    yes/no, or as is."""
    if value is None or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(change_value(field, item, unit_names) for item in value)
    if field in AuditEntry.UNIT_FIELDS and isinstance(value, int):
        return unit_names.get(value, f"#{value}")
    known = VALUE_LABELS.get(field, {})
    if value in known:
        return str(known[value])
    if isinstance(value, bool):
        return str(_l("kyllä") if value else _l("ei"))
    return str(value)


def round_label(round_) -> str:
    """Name a round (app.services.workshops.Round): the workshop that shows it, or "since"."""
    if not round_.open:
        return str(_l("Kierros: %(name)s", name=round_.workshop_name))
    if round_.workshop_name is None:
        return str(_l("Kaikki teot"))
    return str(_l("Uudet teot – edellinen työpaja: %(name)s", name=round_.workshop_name))


def choices(enum_cls: type[enum.Enum]) -> list[tuple[str, object]]:
    """(value, label) pairs of an enum for a select field, in the order of the table above."""
    return [(member.value, text) for member, text in LABELS.items() if isinstance(member, enum_cls)]
