"""Languages: Finnish by default, Swedish and English on request; complete, compiled catalogues."""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.i18n import short_date
from tests.conftest import log_in
from tests.security_support import make_deed
from tests.test_workshops import add_workshop

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "app" / "translations"
LANGUAGES = ("sv", "en")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")

# A few strings per page, Finnish source -> what each language must show instead.
EXPECTED = {
    "login": {
        "fi": ("Kirjaudu sisään", "Käyttäjätunnus", "Salasana"),
        "sv": ("Logga in", "Användarnamn", "Lösenord"),
        "en": ("Log in", "Username", "Password"),
    },
    "board": {
        "fi": ("Lisää teko", "Kaikki kunnat", "Täällä ei ole vielä tekoja."),
        "sv": ("Lägg till en gärning", "Alla kommuner", "Här finns inga gärningar ännu."),
        "en": ("Add a deed", "All municipalities", "There are no deeds here yet."),
    },
    "deed_form": {
        "fi": ("Mitä teit?", "Kenelle?", "Loppuasiakas", "Lähetä"),
        "sv": ("Vad gjorde du?", "För vem?", "Slutkund", "Skicka"),
        "en": ("What did you do?", "For whom?", "End customer", "Send"),
    },
}


def page_text(client, path: str) -> str:
    """GET a page that must answer 200 and return its HTML."""
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def choose(client, lang: str) -> None:
    """Pick a language with the footer form."""
    response = client.post("/language", data={"lang": lang, "next": "/login"})
    assert response.status_code == 302


def load_po(lang: str):
    """Parse one language's .po catalogue."""
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def placeholders(text: str) -> list[str]:
    """The %(name)s / %(n)d placeholders of a message, sorted."""
    return sorted(PLACEHOLDER.findall(text))


def test_finnish_is_the_default(client, auth, world):
    """Without a choice the interface speaks Finnish, before and after logging in."""
    login = page_text(client, "/login")
    assert '<html lang="fi">' in login
    assert all(text in login for text in EXPECTED["login"]["fi"])
    auth.login()
    board = page_text(client, "/")
    assert all(text in board for text in EXPECTED["board"]["fi"])
    form = page_text(client, "/deeds/new")
    assert all(text in form for text in EXPECTED["deed_form"]["fi"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_chosen_language_is_used(client, auth, world, lang):
    """After the footer choice, login, board, deed form and error pages use that language."""
    choose(client, lang)
    login = page_text(client, "/login")
    assert f'<html lang="{lang}">' in login
    assert all(text in login for text in EXPECTED["login"][lang])
    assert "Kirjaudu sisään" not in login
    wrong = auth.login(password="väärä-salasana")
    assert wrong.status_code == 400
    assert {"sv": "Fel användarnamn eller lösenord.", "en": "Wrong username or password."}[
        lang
    ] in wrong.get_data(as_text=True)

    auth.login()
    board = page_text(client, "/")
    assert all(text in board for text in EXPECTED["board"][lang])
    assert "Lisää teko" not in board
    form = page_text(client, "/deeds/new")  # lazy form labels and choices too
    assert all(text in form for text in EXPECTED["deed_form"][lang])
    assert "Mitä teit?" not in form

    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert {"sv": "Sidan hittades inte.", "en": "Page not found."}[lang] in missing.get_data(
        as_text=True
    )


def test_back_to_finnish(client, world):
    """Choosing Finnish again brings the source strings back."""
    choose(client, "en")
    choose(client, "fi")
    assert "Kirjaudu sisään" in page_text(client, "/login")


@pytest.mark.parametrize("lang", ["xx", "de", "", "SV", "sv_FI", "fi;sv"])
def test_unknown_language_is_refused(client, world, lang):
    """Only the offered languages are accepted; the earlier choice stays."""
    choose(client, "sv")
    assert client.post("/language", data={"lang": lang}).status_code == 400
    with client.session_transaction() as session:
        assert session["lang"] == "sv"


def test_finnish_dates(app):
    """Dates are written the Finnish way by default."""
    with app.test_request_context():
        assert short_date(dt.date(2026, 6, 2)) == "2.6.2026"
        assert short_date(None) == ""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang):
    """No empty or fuzzy entry; placeholders survive exactly; no stray % (Jinja always formats).

    A plural entry has every form of the language filled, each with the Finnish placeholders.
    """
    catalogue = load_po(lang)
    assert not catalogue.fuzzy
    assert catalogue.num_plurals == 2  # sv and en: one, other
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if message.pluralizable:
            problems += plural_problems(message.id, message.string, catalogue.num_plurals)
        else:
            problems += form_problems(message.id, message.id, message.string)
    assert not problems, "\n".join(problems)


def form_problems(msgid, source: str, text: str | None) -> list[str]:
    """What is wrong with one translated text of the Finnish source text."""
    if not text or not text.strip():
        return [f"untranslated: {msgid!r}"]
    problems = []
    if placeholders(text) != placeholders(source):
        problems.append(f"placeholders differ: {source!r} -> {text!r}")
    if "%" in PLACEHOLDER.sub("", text):
        problems.append(f"bare %: {text!r}")
    if "Tekotaulu" in source and "Tekotaulu" not in text:
        problems.append(f"product name lost: {text!r}")
    return problems


def plural_problems(msgid: tuple[str, str], forms, count: int) -> list[str]:
    """A plural entry: Finnish singular and plural agree on placeholders, %(num)s among them
    (templates' ngettext fills num), and every one of the language's forms is translated."""
    singular, plural = msgid
    problems = []
    if placeholders(singular) != placeholders(plural) or "%(num)s" not in placeholders(plural):
        problems.append(f"Finnish forms need the same placeholders and %(num)s: {msgid!r}")
    forms = tuple(forms or ())
    if len(forms) != count:
        return [*problems, f"{count} plural forms needed: {msgid!r} -> {forms!r}"]
    for form in forms:
        problems += form_problems(msgid, plural, form)
    return problems


def test_finnish_source_forms_are_finnish_plurals():
    """Finnish has two forms, one for exactly 1 and one for the rest (0 too), which is what
    gettext picks from msgid / msgid_plural when no catalogue translates them."""
    finnish = Locale("fi")
    assert len(finnish.plural_form.rules) == 1
    assert [finnish.plural_form(n) for n in (0, 1, 2, 5, 21)] == [
        "other", "one", "other", "other", "other"
    ]


def test_a_plural_without_every_form_is_reported():
    """The plural check itself fails on a missing form, a lost placeholder or Finnish forms
    without %(num)s."""
    ids = ("%(num)s teko", "%(num)s tekoa")
    assert plural_problems(ids, ("%(num)s deed", "%(num)s deeds"), 2) == []
    assert plural_problems(ids, ("%(num)s deed", ""), 2)
    assert plural_problems(ids, ("%(num)s deed",), 2)
    assert plural_problems(ids, ("a deed", "%(num)s deeds"), 2)
    assert plural_problems(("teko", "tekoa"), ("deed", "deeds"), 2)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_source(lang):
    """The committed .mo says exactly what the .po says (run scripts/translations.sh compile)."""
    mo_path = CATALOGUES / lang / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "compile the catalogues: bash scripts/translations.sh compile"
    with mo_path.open("rb") as f:
        compiled = {frozen(m.id): frozen(m.string) for m in read_mo(f) if m.id}
    source = {
        frozen(m.id): frozen(m.string) for m in load_po(lang) if m.id and m.string and not m.fuzzy
    }
    assert compiled == source, "stale .mo: run bash scripts/translations.sh compile"


def frozen(value):
    """A message id or text as a dict key: a plural's forms (a .mo gives a list) as a tuple."""
    return tuple(value) if isinstance(value, list | tuple) else value


def frozen_forms(message) -> tuple[str, ...]:
    """A catalogue entry's text, or each of a plural's forms."""
    return tuple(message.string) if message.pluralizable else (message.string,)


def extraction_keywords() -> list[str]:
    """The extra -k keywords that scripts/translations.sh gives pybabel extract."""
    script = (ROOT / "scripts" / "translations.sh").read_text()
    keywords = re.findall(r"-k\s+(\S+)", script)
    assert "_l" in keywords
    return keywords


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> set[str]:
    """Extract the current Finnish source strings the way scripts/translations.sh does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "-q",
        "extract",
        "-F",
        "babel.cfg",
        "-o",
        str(pot),
        "--no-location",
    ]
    for keyword in extraction_keywords():
        command += ["-k", keyword]
    subprocess.run([*command, "."], cwd=ROOT, check=True, capture_output=True, timeout=120)
    with pot.open("rb") as f:
        ids = {m.id for m in read_po(f) if m.id}
    assert len(ids) > 100  # the extractor really found the app's strings
    return ids


def test_extraction_finds_python_and_templates(source_messages):
    """gettext, ngettext and their lazy forms in Python, _() and ngettext() in Jinja templates
    are all extracted."""
    assert "Väärä käyttäjätunnus tai salasana." in source_messages  # gettext as _
    assert "Mitä teit?" in source_messages  # lazy_gettext as _l (form label)
    assert "Loppuasiakas" in source_messages  # _l at module level
    assert "Täällä ei ole vielä tekoja. Lisää ensimmäinen!" in source_messages  # template
    assert "Poista käyttäjä %(name)s" in source_messages  # template with a placeholder
    # ngettext in Python, lazy_ngettext at module level, ngettext in templates (both forms)
    assert ("Käyttäjän %(num)s kirjautuminen on lopetettu.",
            "Käyttäjän %(num)s kirjautumista on lopetettu.") in source_messages
    assert ("%(num)s vuorokausi", "%(num)s vuorokautta") in source_messages
    assert ("%(num)s teko", "%(num)s tekoa") in source_messages


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_cover_the_source(source_messages, lang):
    """A new Finnish string without a translation fails here: run translations.sh and translate."""
    translated = {m.id for m in load_po(lang) if m.id and all(frozen_forms(m)) and not m.fuzzy}
    missing = sorted(source_messages - translated)
    assert not missing, f"{lang}: untranslated source strings:\n" + "\n".join(missing)


def test_logout_keeps_the_chosen_language(client, auth, world):
    auth.login()
    client.post("/language", data={"lang": "sv", "next": "/"})
    client.post("/logout")
    page = client.get("/login").get_data(as_text=True)
    assert "Kirjaudu sisään" not in page
    with client.session_transaction() as session:
        assert session.get("lang") == "sv"
        assert "_user_id" not in session


# A deed's date (security_support.HAPPENED_ON, 2 June 2026) and the shape of a date and time.
DATE_WAYS = {
    "fi": ("2.6.2026", r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d{2}"),
    "sv": ("2.6.2026", r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d{2}"),  # Finland-Swedish, not ISO
    "en": ("02/06/2026", r"\d{2}/\d{2}/\d{4}, \d{2}:\d{2}"),
}


def time_texts(html: str) -> list[str]:
    """What the page's <time> elements say (their datetime attributes stay ISO)."""
    return re.findall(r"<time [^>]*>([^<]*)</time>", html)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_dates_are_written_as_in_finland(app, client, world, lang):
    """Card, deed page, sessions, audit log and workshops: the local way, never ISO in text."""
    date, moment = DATE_WAYS[lang]
    deed_id = make_deed(app, world.unit_id)
    log_in(client, "admin")
    add_workshop(app, "1. työpaja", dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC))
    choose(client, lang)
    hidden = client.post(f"/deeds/{deed_id}/hide", data={"next": "/", "reason": "Syy"})
    assert hidden.status_code == 302
    assert time_texts(page_text(client, f"/deeds/{deed_id}")) == [date]
    posted_on, hidden_at = time_texts(page_text(client, "/review/hidden"))
    assert posted_on == date and re.fullmatch(moment, hidden_at)
    for path in ("/account/sessions", "/admin/audit"):
        texts = time_texts(page_text(client, path))
        assert texts and all(re.fullmatch(moment, text) for text in texts), (path, texts)
    workshop_list = page_text(client, "/workshops")  # 10.00 UTC is 13.00 in Helsinki
    assert {"fi": "1.9.2026 13.00", "sv": "1.9.2026 13.00", "en": "01/09/2026, 13:00"}[
        lang
    ] in workshop_list


def test_templates_format_dates_through_the_app():
    """Flask-Babel's own date filters write Swedish dates the ISO way: templates use
    format_moment (app/i18n.py), which writes them as in Finland."""
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\|\s*(datetimeformat|dateformat|timeformat)\b", text), template
