"""Password rules that fit staff who are not IT people: long enough, not the obvious ones."""

from zxcvbn import zxcvbn

from app.services.errors import Refused

PASSWORD_MIN = 12
PASSWORD_MAX = 256

# The passwords people reach for first (lists of leaked passwords, in Finnish and English).
# Kept short on purpose: the length rule does most of the work.
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password12", "password123", "passw0rd", "qwerty123",
        "12345678", "123456789", "1234567890", "87654321", "11111111", "00000000", "12341234",
        "qwertyui", "qwertyuiop", "asdfghjk", "asdfasdf", "abcd1234", "abc12345", "iloveyou",
        "salasana", "salasana1", "salasana12", "salasana123", "salasana1234", "salasana!",
        "tekotaulu", "tekotaulu1", "tekotaulu123", "kissa123", "koira123", "perkele1",
        "suomi123", "suomi2024", "suomi2025", "suomi2026", "aurinko1", "aurinko123",
        "juva1234", "sulkava1", "sulkava123", "rantasalmi", "rantasalmi1", "moikka123",
        "hyvaapaivaa", "kesaloma", "kesäloma", "joulu123", "12345qwert", "q1w2e3r4",
    }
)


# Words anyone would try first against this app, on top of zxcvbn's own lists.
APP_WORDS = ("tekotaulu", "juva", "rantasalmi", "sulkava", "järvi-saimaa", "saimaa", "kunta")
ZXCVBN_MIN_SCORE = 3  # "safely unguessable": about 10^8 guesses or more
ZXCVBN_MAX_LENGTH = 100  # zxcvbn's time grows with length; the tail adds no weakness worth it


def check_password_rules(username: str, password: str, display_name: str = "") -> None:
    """Raise Refused, with the reason, when the password is not good enough.

    Length first (ASVS: at least 12), then no username, then guessability: a list of the
    passwords people reach for first and zxcvbn's estimate with its lists of leaked passwords,
    words and names. No composition rules: a long sentence is the easiest good password.
    """
    lowered = password.lower()
    name = username.strip().lower()
    if len(password) < PASSWORD_MIN:
        raise Refused("password_too_short", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise Refused("password_too_long", n=PASSWORD_MAX)
    if name and len(name) >= 3 and name in lowered:
        raise Refused("password_has_username")
    guessable = guess_score(password, [name, display_name]) < ZXCVBN_MIN_SCORE
    if lowered in COMMON_PASSWORDS or guessable:
        raise Refused("password_common")


def meets_password_rules(username: str, password: str) -> bool:
    """Tell whether a password passes today's rules (an old one may not)."""
    try:
        check_password_rules(username, password)
    except Refused:
        return False
    return True


def guess_score(password: str, personal: list[str]) -> int:
    """zxcvbn's 0-4 score, counting the person's own names and the app's words as guessable."""
    words = [w for w in (*personal, *APP_WORDS) if w]
    return int(zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)["score"])
