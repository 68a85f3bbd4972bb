"""Counts in words: the right plural form for 0, 1 and 2 in Finnish, Swedish and English."""

import re

import pytest

from app.extensions import db
from app.services import accounts, deeds
from tests.conftest import log_in
from tests.security_support import make_deed, make_user

LANGUAGES = ("fi", "sv", "en")

# What the thanks count says to a screen reader, by language, for 0, 1 and 2 thanks.
THANKS = {
    "fi": ("0 kiitosta", "1 kiitos", "2 kiitosta"),
    "sv": ("0 tack", "1 tack", "2 tack"),
    "en": ("0 thank-yous", "1 thank-you", "2 thank-yous"),
}


def choose(client, lang: str) -> None:
    """Pick a language with the footer form."""
    assert client.post("/language", data={"lang": lang, "next": "/"}).status_code == 302


def count_label(html: str, deed_id: int) -> str:
    """The spoken label of a deed's thanks count on a page."""
    card = re.search(rf'data-deed-id="{deed_id}".*?</article>', html, re.S).group(0)
    return re.search(r'class="visually-hidden thanks-count-label"> ([^<]*)<', card).group(1)


def thank(app, username: str, deed_id: int) -> None:
    """One user thanks a deed, through the service."""
    with app.app_context():
        deeds.toggle_thanks(accounts.find_user(username), deed_id)
        db.session.remove()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_thanks_count_is_said_in_the_right_form(app, client, world, lang):
    """0, 1 and 2 thanks on the board card and the deed page, each in its own form."""
    deed_id = make_deed(app, world.unit_id)
    log_in(client, "admin")
    choose(client, lang)
    for count, thanker in enumerate((None, "riitta", "kalle")):
        if thanker:
            thank(app, thanker, deed_id)
        expected = THANKS[lang][count]
        assert count_label(client.get("/").get_data(as_text=True), deed_id) == expected
        page = client.get(f"/deeds/{deed_id}").get_data(as_text=True)
        assert f'aria-hidden="true">{count}</span>' in page
        assert f'thanks-count-label"> {expected}<' in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_thanks_answer_for_scripts_carries_the_label(app, client, world, lang):
    """board.js shows the label the server chose: thanking and taking it back, 1 then 0."""
    deed_id = make_deed(app, world.unit_id, "kalle")
    log_in(client, "aino")
    choose(client, lang)
    json = {"Accept": "application/json"}
    given = client.post(f"/deeds/{deed_id}/thanks", headers=json).json
    assert given == {"thanked": True, "thanks_count": 1, "thanks_label": THANKS[lang][1]}
    taken = client.post(f"/deeds/{deed_id}/thanks", headers=json).json
    assert taken == {"thanked": False, "thanks_count": 0, "thanks_label": THANKS[lang][0]}
    card = client.get("/api/deeds").json["deeds"][0]
    assert card["thanks_label"] == THANKS[lang][0]


# What the erase page lists for a user with 0, 1 or 2 deeds (one photo each) and thanks given.
ERASE = {
    "fi": (
        ("0 tekoa ja niiden 0 kuvaa kaikkine kokoineen", "0 kiitosta, jotka käyttäjä on antanut"),
        ("1 teko ja sen 1 kuva kaikkine kokoineen", "1 kiitos, jonka käyttäjä on antanut"),
        ("2 tekoa ja niiden 2 kuvaa kaikkine kokoineen", "2 kiitosta, jotka käyttäjä on antanut"),
    ),
    "sv": (
        ("0 gärningar och deras 0 bilder i alla storlekar", "0 tack som användaren har gett"),
        ("1 gärning och dess 1 bild i alla storlekar", "1 tack som användaren har gett"),
        ("2 gärningar och deras 2 bilder i alla storlekar", "2 tack som användaren har gett"),
    ),
    "en": (
        ("0 deeds and their 0 photos in every size", "0 thank-yous the user has given"),
        ("1 deed and its 1 photo in every size", "1 thank-you the user has given"),
        ("2 deeds and their 2 photos in every size", "2 thank-yous the user has given"),
    ),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_erase_preview_counts_in_words(app, client, world, lang):
    """Deeds, their photos and thanks given, for 0, 1 and 2 of each."""
    user_id = make_user(app, "liisa")
    others = [make_deed(app, world.unit_id, "aino", seed=n) for n in range(2)]
    log_in(client, "admin")
    choose(client, lang)
    for count in range(3):
        if count:
            make_deed(app, world.unit_id, "liisa", seed=10 + count)
            thank(app, "liisa", others[count - 1])
        page = client.get(f"/admin/users/{user_id}/erase").get_data(as_text=True)
        for text in ERASE[lang][count]:
            assert text in page, (count, text)


ENDED = {
    "fi": ("1 muu kirjautumisesi on lopetettu.", "2 muuta kirjautumistasi on lopetettu."),
    "sv": ("1 annan inloggning har avslutats.", "2 andra inloggningar har avslutats."),
    "en": ("1 other sign-in has been ended.", "2 other sign-ins have been ended."),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ending_other_sessions_says_how_many(app, world, lang):
    """The flash after "log out everywhere else", for one and for two other devices."""
    for others, expected in zip((1, 2), ENDED[lang], strict=True):
        here = app.test_client()
        log_in(here, "aino")
        for _ in range(others):
            log_in(app.test_client(), "aino")
        choose(here, lang)
        response = here.post("/account/sessions/end-others", follow_redirects=True)
        assert expected in response.get_data(as_text=True)
        here.post("/logout")  # the next round starts with no session of aino's


LINK_CHOICES = {
    "fi": ("4 tuntia", "1 vuorokausi", "3 vuorokautta", "7 vuorokautta"),
    "sv": ("4 timmar", "1 dygn", "3 dygn", "7 dygn"),
    "en": ("4 hours", "1 day", "3 days", "7 days"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_link_durations_are_counted_in_words(client, world, lang):
    """The projection link's durations on the remote, one day singular."""
    log_in(client, "kalle")
    choose(client, lang)
    page = client.get("/projection/remote").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="\d+"[^>]*>([^<]*)</option>', page)
    assert tuple(options) == LINK_CHOICES[lang]


@pytest.mark.parametrize(
    ("months", "lang", "expected"),
    [
        (1, "fi", "ovat olleet tallessa 1 kuukauden."),
        (24, "fi", "ovat olleet tallessa 24 kuukautta."),
        (1, "sv", "har sparats i 1 månad."),
        (24, "sv", "har sparats i 24 månader."),
        (1, "en", "stored for 1 month."),
        (24, "en", "stored for 24 months."),
    ],
)
def test_the_retention_period_is_counted_in_words(app_config, request, months, lang, expected):
    """The privacy page's retention period follows the setting, in the right form."""
    app_config["RETENTION_MONTHS"] = months
    client = request.getfixturevalue("client")
    request.getfixturevalue("world")
    log_in(client, "aino")
    choose(client, lang)
    assert expected in client.get("/privacy").get_data(as_text=True)
