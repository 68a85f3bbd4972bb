"""Demo data: invented units, people and deeds with generated photos (no downloads).

Each demo user gets a random password of its own, kept in a private file in the instance folder
(`demo-logins.txt`): an instance started from the quick start has no password anyone else knows.
"""

import datetime as dt
import io
import os
import random
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from app.database import write_transaction
from app.extensions import db
from app.models import Comment, CustomerType, Deed, Municipality, Role, Thanks
from app.services import accounts, deeds, demo_pictures, moderation, workshops

ADMIN_USERNAME = "admin"
LOGINS_FILE_NAME = "demo-logins.txt"  # its presence marks a demo instance (the banner)
# The letters passwords are drawn from (not a password): easy to read and type, no 0/o, 1/l/i.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105  # nosec B105
PASSWORD_GROUPS, GROUP_LENGTH = 4, 4  # 16 random characters, about 79 bits
LOGINS_HEADER = (
    "# Tekotaulu demo logins for this instance only (made by `flask demo`).\n"
    "# Whoever reads this file can log in. Delete the instance folder to start over.\n"
)

UNITS = (
    ("Juvan keskuskeittiö", "Juva"),
    ("Juvan koulun keittiö", "Juva"),
    ("Juvan siivous", "Juva"),
    ("Rantasalmen koulun keittiö", "Rantasalmi"),
    ("Rantasalmen ateriapalvelu", "Rantasalmi"),
    ("Sulkavan siivous", "Sulkava"),
    ("Sulkavan kuljetukset", "Sulkava"),
)

# Invented people; none of them is anyone named in the workshop blog.
PEOPLE = (
    ("admin", "Ylläpitäjä Demo", Role.ADMIN, 0),
    ("esihenkilo", "Riitta Esimerkki", Role.SUPERVISOR, 0),
    ("sari", "Sari Salminen", Role.SUPERVISOR, 5),
    ("vetaja", "Kalle Vetäjä", Role.LEADER, 1),
    ("aino", "Aino Kokkonen", Role.EMPLOYEE, 0),
    ("mikko", "Mikko Ajomies", Role.EMPLOYEE, 6),
    ("liisa", "Liisa Lumme", Role.EMPLOYEE, 3),
    ("pertti", "Pertti Puhdas", Role.EMPLOYEE, 5),
    ("sanna", "Sanna Sävel", Role.EMPLOYEE, 4),
    ("tuula", "Tuula Tähkä", Role.EMPLOYEE, 1),
    ("jari", "Jari Järvinen", Role.EMPLOYEE, 2),
)

# Who answers for which demo unit (indexes into UNITS), so review works at once: Riitta for
# Juva and Rantasalmi, Sari for Sulkava.
SUPERVISES = {
    "esihenkilo": (0, 1, 2, 3, 4),
    "sari": (5, 6),
}

# Short encouragements colleagues and supervisors leave under deeds.
COMMENTS = (
    "Ihana idea! Tätä kokeillaan meilläkin.",
    "Asiakas varmasti ilahtui. Kiitos, että jaoit tämän!",
    "Hieno juttu, juuri tällaisista päivä paranee.",
    "Tämä lämmitti mieltä. Hyvää työtä!",
    "Pieni teko, iso ilo. Jatka samaan malliin!",
    "Otetaan tämä puheeksi seuraavassa työpajassa.",
)

DEEDS = (
    ("Leivoin ateriapalvelun asiakkaalle syntymäpäiväpullan ja kirjoitin kortin.", "bun",
     CustomerType.END_CUSTOMER),
    ("Koulun lounaspöytään tuli tänään kukkia. Oppilaat huomasivat heti!", "flowers",
     CustomerType.END_CUSTOMER),
    ("Kannoin ruokakassit asiakkaan keittiöön asti, kun portaat olivat liukkaat.", "bags",
     CustomerType.END_CUSTOMER),
    ("Katoimme palvelutalon ruokasaliin kukkaliinat ja lautasliinat.", "table",
     CustomerType.END_CUSTOMER),
    ("Teimme toiveruokana lihapullia ja muusia – lautaset tulivat tyhjinä takaisin.", "plate",
     CustomerType.END_CUSTOMER),
    ("Siivosin osaston kahvihuoneen ja jätin kiitoslapun hoitajille.", "note",
     CustomerType.MUNICIPAL_STAFF),
    ("Autoin uutta työkaveria opettelemaan kuljetusreitin.", "road",
     CustomerType.COLLEAGUE),
    ("Kunnan kokoukseen kahvin kanssa tarjolle kotitekoiset korvapuustit.", "bun",
     CustomerType.MUNICIPALITY),
    ("Laitoin koulukyydin odotustilaan värityskuvia ja kyniä.", "note",
     CustomerType.END_CUSTOMER),
    ("Toin lähitilan mansikoita päiväkodin välipalalle.", "berries",
     CustomerType.END_CUSTOMER),
)



@dataclass(frozen=True)
class DemoLogin:
    """One demo user's username, password and role."""

    username: str
    password: str
    role: Role


@dataclass(frozen=True)
class DemoCounts:
    """How much demo data was created, and the logins of its users."""

    users: int
    units: int
    deeds: int
    logins: tuple[DemoLogin, ...]


def new_password() -> str:
    """A random password in groups, such as 'k7qm-3vxa-pt9d-wnh4' (19 characters)."""
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def fill(logins_file: str, deed_count: int = 40, seed: int = 7) -> DemoCounts:
    """Create the demo units, users (random passwords, saved to logins_file) and deeds."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo pictures  # nosec B311
    units = [accounts.create_unit(name, town) for name, town in UNITS]
    logins = tuple(DemoLogin(username, new_password(), role) for username, _, role, _ in PEOPLE)
    users = [
        accounts.create_user(login.username, login.password, role=login.role, display_name=name,
                             default_unit_id=units[unit_index].id)
        for login, (_, name, _, unit_index) in zip(logins, PEOPLE, strict=True)
    ]
    save_logins(logins_file, logins)  # before the deeds: the users exist now
    assign_supervisors(units)
    posters = [u for u in users if u.role == Role.EMPLOYEE] + users[1:4]
    today = dt.date.today()
    for index in range(deed_count):
        post_demo_deed(rng, posters, units, today - dt.timedelta(days=deed_count - index))
    add_thanks_and_comments(rng, users)
    add_demo_workshops(next(u for u in users if u.role == Role.LEADER), today)
    return DemoCounts(len(users), len(units), deed_count, logins)


# (name, theme, municipality, days from today): two held, one to come, so rounds have deeds.
WORKSHOPS = (
    ("1. työpaja", "Mikä ilahduttaa asiakasta?", "Juva", -28),
    ("2. työpaja", "Pienet teot näkyviksi", "Rantasalmi", -12),
    ("3. työpaja", "Kiitos kollegalle", "Sulkava", 9),
)


def add_demo_workshops(leader, today: dt.date) -> None:
    """Date each demo deed to when it happened, then add workshops around them."""
    # The rounds are cut by when deeds were posted: spread the demo's over their days.
    for deed in db.session.scalars(sa.select(Deed)):
        deed.created_at = dt.datetime.combine(deed.happened_on, dt.time(10), dt.UTC)
    db.session.commit()
    for name, theme, town, days in WORKSHOPS:
        starts = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(11), dt.UTC)
        municipality = db.session.scalar(sa.select(Municipality.id).filter_by(name=town))
        data = workshops.WorkshopInput(name, starts, municipality, theme, (leader.id,))
        workshops.create_workshop(leader, data)


def assign_supervisors(units) -> None:
    """Make the demo supervisors answer for their units."""
    for username, unit_indexes in SUPERVISES.items():
        for index in unit_indexes:
            moderation.add_supervisor(units[index].id, username)


def add_thanks_and_comments(rng: random.Random, users) -> None:
    """Thank most demo deeds and comment on some, keeping each deed's counts right."""
    with write_transaction():
        for deed in db.session.scalars(sa.select(Deed).order_by(Deed.id)):
            others = [u for u in users if u.id != deed.author_id]
            for user in rng.sample(others, rng.randint(0, 4)):
                db.session.add(Thanks(deed_id=deed.id, user_id=user.id))
                deed.thanks_count += 1
            if rng.random() < 0.4:
                for user in rng.sample(others, rng.randint(1, 2)):
                    db.session.add(Comment(deed_id=deed.id, author_id=user.id,
                                           body=rng.choice(COMMENTS)))
                    deed.comment_count += 1


def save_logins(path: str, logins: tuple[DemoLogin, ...]) -> None:
    """Write the logins to a new file only this user may read (0600 from the start)."""
    try:
        os.unlink(path)  # one left from an earlier demo database
    except FileNotFoundError:
        pass
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(LOGINS_HEADER)
        file.writelines(f"{x.username}\t{x.password}\t{x.role.value}\n" for x in logins)


def read_logins(path: str) -> list[DemoLogin]:
    """Return the logins saved in the file, or none when there is no file."""
    try:
        with open(path, encoding="utf-8") as file:
            lines = [line.rstrip("\n") for line in file]
    except FileNotFoundError:
        return []
    rows = (line.split("\t") for line in lines if line and not line.startswith("#"))
    return [DemoLogin(name, password, Role(role)) for name, password, role in rows]


def working_logins(path: str) -> list[DemoLogin]:
    """Return the saved logins that still let their user in (active, password unchanged)."""
    working = []
    for login in read_logins(path):
        user = accounts.find_user(login.username)
        if user is not None and user.active and user.check_password(login.password):
            working.append(login)
    return working


def post_demo_deed(rng: random.Random, posters, units, happened_on: dt.date) -> None:
    """Post one invented deed through the real pipeline."""
    description, theme, customer_type = rng.choice(DEEDS)
    author = rng.choice(posters)
    new = deeds.NewDeed(
        description=description,
        unit_id=author.default_unit_id or rng.choice(units).id,
        happened_on=happened_on,
        customer_type=customer_type,
        consent=True,
    )
    deeds.create_deed(author, new, [io.BytesIO(demo_pictures.picture(rng, theme))])
