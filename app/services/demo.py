"""Demo data: invented units, people and deeds with generated photos (no downloads)."""

import datetime as dt
import io
import random
from dataclasses import dataclass

from app.models import CustomerType, Role
from app.services import accounts, deeds, demo_pictures

ADMIN_USERNAME = "admin"
DEMO_PASSWORD = "tekotaulu-demo"  # noqa: S105 - demo only, printed  # nosec B105

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
    ("vetaja", "Kalle Vetäjä", Role.LEADER, 1),
    ("aino", "Aino Kokkonen", Role.EMPLOYEE, 0),
    ("mikko", "Mikko Ajomies", Role.EMPLOYEE, 6),
    ("liisa", "Liisa Lumme", Role.EMPLOYEE, 3),
    ("pertti", "Pertti Puhdas", Role.EMPLOYEE, 5),
    ("sanna", "Sanna Sävel", Role.EMPLOYEE, 4),
    ("tuula", "Tuula Tähkä", Role.EMPLOYEE, 1),
    ("jari", "Jari Järvinen", Role.EMPLOYEE, 2),
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
class DemoCounts:
    """How much demo data was created."""

    users: int
    units: int
    deeds: int


def fill(deed_count: int = 40, seed: int = 7) -> DemoCounts:
    """Create the demo units, users and deeds in an empty instance."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo  # nosec B311
    units = [accounts.create_unit(name, town) for name, town in UNITS]
    users = [
        accounts.create_user(username, DEMO_PASSWORD, role=role, display_name=name,
                             default_unit_id=units[unit_index].id)
        for username, name, role, unit_index in PEOPLE
    ]
    posters = [u for u in users if u.role == Role.EMPLOYEE] + users[1:3]
    today = dt.date.today()
    for index in range(deed_count):
        post_demo_deed(rng, posters, units, today - dt.timedelta(days=deed_count - index))
    return DemoCounts(len(users), len(units), deed_count)


def has_demo_admin() -> bool:
    """Tell whether the demo admin still has the demo password (so printing it helps)."""
    user = accounts.find_user(ADMIN_USERNAME)
    return user is not None and user.active and user.check_password(DEMO_PASSWORD)


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
