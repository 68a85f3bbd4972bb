"""Helpers shared by the security and privacy tests: deeds, roles, files and row counts."""

import datetime as dt
import io
import re
import threading
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import Deed, Photo, Rendition, Role, Thanks, Visibility
from app.services import accounts, deeds, moderation
from app.services.deeds import NewDeed
from tests.conftest import PASSWORD, log_in

HAPPENED_ON = dt.date(2026, 6, 2)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def tiny_jpeg(seed: int = 0, size: tuple[int, int] = (64, 48), fmt: str = "JPEG") -> bytes:
    """A small picture whose content (and so its stored files) differs per seed."""
    colour = ((seed * 67) % 256, (seed * 131 + 40) % 256, (seed * 29 + 90) % 256)
    picture = Image.new("RGB", size, colour)
    picture.putpixel((seed % size[0], 0), (255 - colour[0], 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return buffer.getvalue()


def make_user(app, username: str, role: Role = Role.EMPLOYEE) -> int:
    """Create a user with the shared test password; return the id."""
    with app.app_context():
        user_id = accounts.create_user(username, PASSWORD, role=role, display_name=username).id
        db.session.remove()
    return user_id


def signed_in_clients(app, prefix: str, count: int) -> list:
    """Employees prefix0, prefix1, ... each signed in on a test client of their own."""
    with app.app_context():
        for n in range(count):
            accounts.create_user(f"{prefix}{n}", PASSWORD, role=Role.EMPLOYEE)
        db.session.remove()
    clients = []
    for n in range(count):
        client = app.test_client()
        assert client.post("/login", data={"username": f"{prefix}{n}", "password": PASSWORD}
                           ).status_code == 302
        clients.append(client)
    return clients


def on_every_client(clients: list, action) -> None:
    """Run action(client, n) for every client in a thread of its own; wait for them all."""
    threads = [threading.Thread(target=action, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def supervise(app, unit_id: int, username: str) -> None:
    """Make the supervisor answer for the unit."""
    with app.app_context():
        moderation.add_supervisor(unit_id, username)
        db.session.remove()


def make_deed(
    app, unit_id: int, username: str = "aino", *, seed: int = 0, photo: bytes | None = None,
    description: str = "Leivoin asiakkaalle pullaa.", hidden: bool = False,
) -> int:
    """Post a deed through the service (with a photo), optionally hidden; return its id."""
    with app.app_context():
        new = NewDeed(description, unit_id, HAPPENED_ON, None, True)
        upload = io.BytesIO(photo if photo is not None else tiny_jpeg(seed))
        deed_id = deeds.create_deed(accounts.find_user(username), new, [upload]).id
        if hidden:
            db.session.execute(
                sa.update(Deed).where(Deed.id == deed_id).values(visibility=Visibility.HIDDEN)
            )
            db.session.commit()
        db.session.remove()
    return deed_id


def deed_keys(app, deed_id: int) -> list[str]:
    """The storage keys of every rendition of a deed."""
    with app.app_context():
        keys = list(
            db.session.scalars(
                sa.select(Rendition.key).join(Rendition.photo).where(Photo.deed_id == deed_id)
            )
        )
        db.session.remove()
    return keys


def stored_files(app) -> list[str]:
    """Every file under the upload folder (temp files of unfinished writes too), relative."""
    root = Path(app.config["UPLOAD_FOLDER"])
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def kept_files(app) -> list[str]:
    """The files of photos the server keeps for a refused form's next try, relative."""
    from app.services import upkeep

    with app.app_context():
        keys = upkeep.kept_keys()
        db.session.remove()
    return sorted(keys)


def row_counts(app) -> dict[str, int]:
    """How many deeds, photos, renditions and thanks exist."""
    with app.app_context():
        counts = {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Deed, Photo, Rendition, Thanks)
        }
        db.session.remove()
    return counts


def login(client, username: str, password: str = PASSWORD):
    """Log in through the form (CSRF off), with the second factor where one is set."""
    return log_in(client, username, password)


def csrf_token(client, path: str = "/login") -> str:
    """Read the CSRF token from the meta tag of a page."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_META.search(html)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def build_matrix_world(app, world) -> dict[str, object]:
    """Deeds of unit A by another employee (some hidden), supervisors of A and B, a victim."""
    make_user(app, "sanni", Role.SUPERVISOR)
    make_user(app, "pertti")
    victim = make_user(app, "poistettava")
    supervise(app, world.unit_id, "riitta")
    supervise(app, world.other_unit_id, "sanni")
    ids: dict[str, object] = {
        "visible": make_deed(app, world.unit_id, "pertti", seed=1),
        "hidden": make_deed(app, world.unit_id, "pertti", seed=2, hidden=True),
        "own_hidden": make_deed(app, world.unit_id, "aino", seed=3, hidden=True),
        "to_hide": make_deed(app, world.unit_id, "pertti", seed=4),
        "to_unhide": make_deed(app, world.unit_id, "pertti", seed=5, hidden=True),
        "to_erase": make_deed(app, world.unit_id, "pertti", seed=6),
        "victim": victim,
    }
    other_unit_deed = make_deed(app, world.other_unit_id, "poistettava", seed=7)
    ids["visible_key"] = deed_keys(app, ids["visible"])[0]
    ids["hidden_key"] = deed_keys(app, ids["hidden"])[0]
    ids["other_unit_key"] = deed_keys(app, other_unit_deed)[0]
    ids["unit"] = world.unit_id
    ids.update(projection_world(app, world.unit_id))
    ids["device"] = make_device(app, world.unit_id)[0]
    from tests.review_support import review_world  # it builds on make_deed here

    ids.update(review_world(app, world))
    ids.update(encouragement_world(app, ids))
    return ids


def make_comment(app, deed_id: int, username: str, body: str = "Hienoa työtä!") -> int:
    """Write a comment through the service; return its id."""
    from app.services import comments

    with app.app_context():
        comment_id = comments.add_comment(accounts.find_user(username), deed_id, body).id
        db.session.remove()
    return comment_id


def encouragement_world(app, ids: dict[str, object]) -> dict[str, object]:
    """Aino's own deeds, and comments by others, by aino, on aino's deed and on a hidden deed."""
    unit_id = ids["unit"]
    own_visible = make_deed(app, unit_id, "aino", seed=8)
    return {
        "own_visible": own_visible,
        "own_to_delete": make_deed(app, unit_id, "aino", seed=9),
        "others_comment": make_comment(app, ids["visible"], "pertti"),
        "aino_comment": make_comment(app, ids["visible"], "aino"),
        "comment_on_own": make_comment(app, own_visible, "kalle"),
        "hidden_comment": make_comment(app, ids["hidden"], "pertti"),
    }


def make_device(app, unit_id: int, by: str = "admin", **settings) -> tuple[int, str]:
    """Set up a shared tablet for the unit through the service; return its id and token."""
    from app.services import devices

    with app.app_context():
        device, token = devices.set_up(accounts.find_user(by), unit_id, "Keittiön tabletti",
                                       **settings)
        db.session.remove()
    return device.id, token


def projection_world(app, unit_id: int) -> dict[str, object]:
    """Two workshops and projection links of one unit: valid, expired, revoked and tampered."""
    from app.models import Municipality, ProjectionLink
    from app.projection.views import link_token
    from app.services import projection, workshops

    with app.app_context():
        leader = accounts.find_user("kalle")
        juva = db.session.scalar(sa.select(Municipality.id).filter_by(name="Juva"))
        ids = {}
        for name, day in (("workshop", 1), ("workshop_to_delete", 2)):
            data = workshops.WorkshopInput(
                name, dt.datetime(2026, 9, day, 10, tzinfo=dt.UTC), juva, "", ()
            )
            ids[name] = workshops.create_workshop(leader, data).id
        for name in ("link", "expired_link", "revoked_link", "link_to_revoke"):
            link = projection.create_link(leader, f"unit={unit_id}", None)
            ids[name] = link_token(link.id) if name != "link_to_revoke" else link.id
            if name == "expired_link":
                db.session.execute(
                    sa.update(ProjectionLink).where(ProjectionLink.id == link.id)
                    .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
                )
                db.session.commit()
            if name == "revoked_link":
                projection.revoke_link(leader, link.id)
        number, signature = ids["link"].split(".", 1)
        ids["tampered_link"] = f"{number}x.{signature}"  # another id under the same signature
        db.session.remove()
    return ids
