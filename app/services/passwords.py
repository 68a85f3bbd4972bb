"""Password rules that fit staff who are not IT people: long enough, not the obvious ones."""

from app.services.errors import Refused

PASSWORD_MIN = 8
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


def check_password_rules(username: str, password: str) -> None:
    """Raise Refused, with the reason, when the password is not good enough."""
    lowered = password.lower()
    name = username.strip().lower()
    if len(password) < PASSWORD_MIN:
        raise Refused("password_too_short", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise Refused("password_too_long", n=PASSWORD_MAX)
    if name and len(name) >= 3 and name in lowered:
        raise Refused("password_has_username")
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        raise Refused("password_common")
