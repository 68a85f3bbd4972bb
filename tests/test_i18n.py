"""Languages: Finnish by default, Swedish and English on request; complete, compiled catalogues."""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.i18n import short_date

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
    """No empty or fuzzy entry; placeholders survive exactly; no stray % (Jinja always formats)."""
    catalogue = load_po(lang)
    assert not catalogue.fuzzy
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        for source, text in form_pairs(message):
            if not text or not text.strip():
                problems.append(f"untranslated: {source!r}")
                continue
            if placeholders(text) != placeholders(source):
                problems.append(f"placeholders differ: {source!r} -> {text!r}")
            if "%" in PLACEHOLDER.sub("", text):
                problems.append(f"bare %: {text!r}")
            if "Tekotaulu" in source and "Tekotaulu" not in text:
                problems.append(f"product name lost: {text!r}")
    assert not problems, "\n".join(problems)


def form_pairs(message) -> list[tuple[str, str]]:
    """(source, translation) per form: a plural's first form answers the singular, the rest
    the plural."""
    if isinstance(message.id, str):
        return [(message.id, message.string)]
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return [(message.id[min(n, 1)], text) for n, text in enumerate(strings)]


def hashable(value):
    """A plural's id or strings as a tuple (read_mo gives lists)."""
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_source(lang):
    """The committed .mo says exactly what the .po says (run scripts/translations.sh compile)."""
    mo_path = CATALOGUES / lang / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "compile the catalogues: bash scripts/translations.sh compile"
    with mo_path.open("rb") as f:
        compiled = {hashable(m.id): hashable(m.string) for m in read_mo(f) if m.id}
    source = {
        hashable(m.id): hashable(m.string)
        for m in load_po(lang)
        if m.id and m.string and not m.fuzzy
    }
    assert compiled == source, "stale .mo: run bash scripts/translations.sh compile"


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
    """gettext, lazy_gettext (_l) in Python and _() in Jinja templates are all extracted."""
    assert "Väärä käyttäjätunnus tai salasana." in source_messages  # gettext as _
    assert "Mitä teit?" in source_messages  # lazy_gettext as _l (form label)
    assert "Loppuasiakas" in source_messages  # _l at module level
    assert "Täällä ei ole vielä tekoja. Lisää ensimmäinen!" in source_messages  # template
    assert "Poista käyttäjä %(name)s" in source_messages  # template with a placeholder


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_cover_the_source(source_messages, lang):
    """A new Finnish string without a translation fails here: run translations.sh and translate."""
    translated = {m.id for m in load_po(lang) if m.id and m.string and not m.fuzzy}
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
