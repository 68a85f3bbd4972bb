"""Demo data: invented units, people and deeds with generated photos (no downloads)."""

import datetime as dt
import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

from app.models import CustomerType, Role
from app.services import accounts, deeds

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

PALETTES = {
    "bun": ((235, 214, 180), (176, 112, 58)),
    "flowers": ((214, 232, 240), (214, 64, 104)),
    "bags": ((226, 220, 208), (90, 130, 70)),
    "table": ((240, 236, 226), (70, 120, 170)),
    "plate": ((222, 226, 230), (200, 140, 60)),
    "note": ((245, 240, 215), (40, 78, 107)),
    "road": ((190, 215, 235), (90, 90, 95)),
    "berries": ((230, 240, 220), (200, 30, 50)),
}


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
    deeds.create_deed(author, new, [io.BytesIO(demo_photo(rng, theme))])


def demo_photo(rng: random.Random, theme: str) -> bytes:
    """Draw a soft, photo-like picture for a theme and return it as JPEG bytes."""
    width, height = rng.choice(((1600, 1200), (1200, 1600), (1600, 1067), (1400, 1400)))
    ground, accent = PALETTES[theme]
    image = Image.new("RGB", (width, height), ground)
    draw = ImageDraw.Draw(image)
    for band in range(0, height, 8):  # a gentle vertical gradient
        shade = tuple(max(0, c - band * 40 // height) for c in ground)
        draw.rectangle((0, band, width, band + 8), fill=shade)
    for _ in range(rng.randint(5, 11)):
        radius = rng.randint(min(width, height) // 14, min(width, height) // 5)
        x, y = rng.randint(0, width), rng.randint(height // 4, height)
        tint = tuple(min(255, max(0, c + rng.randint(-40, 40))) for c in accent)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=tint)
    image = image.filter(ImageFilter.GaussianBlur(3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
