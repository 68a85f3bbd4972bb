"""Password rules that fit staff who are not IT people: long enough, not the obvious ones."""

from flask_babel import lazy_gettext as _l

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


def password_problem(username: str, password: str) -> str | None:
    """Return why the password is not good enough (in Finnish), or None when it is fine."""
    lowered = password.lower()
    name = username.strip().lower()
    if len(password) < PASSWORD_MIN:
        return str(_l("Salasanassa pitää olla vähintään %(n)s merkkiä.", n=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        return str(_l("Salasana on liian pitkä (enintään %(n)s merkkiä).", n=PASSWORD_MAX))
    if name and len(name) >= 3 and name in lowered:
        return str(_l("Salasanassa ei saa olla käyttäjätunnusta."))
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        return str(_l("Salasana on liian helppo arvata. Keksi pidempi lause tai sanapari."))
    return None
