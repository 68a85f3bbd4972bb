"""Twenty people posting at once: every deed lands, nothing is locked out (QUALITY P6)."""

import threading

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, Rendition
from tests.conftest import deed_form, jpeg_upload
from tests.security_support import on_every_client, signed_in_clients

CLIENTS = 20


def test_twenty_simultaneous_uploads_all_succeed(app, world):
    clients = signed_in_clients(app, "kokki", CLIENTS)
    start = threading.Barrier(CLIENTS)
    statuses: list[int] = []

    def post(client, n):
        form = deed_form(world.unit_id, photo=jpeg_upload(width=640 + n, height=480),
                         description=f"Samanaikainen teko {n}")
        start.wait()
        statuses.append(client.post("/deeds/new", data=form).status_code)

    on_every_client(clients, post)
    assert statuses == [302] * CLIENTS
    with app.app_context():
        descriptions = set(db.session.scalars(sa.select(Deed.description)))
        assert descriptions == {f"Samanaikainen teko {n}" for n in range(CLIENTS)}
        assert db.session.scalar(sa.select(sa.func.count(Rendition.id))) == CLIENTS * 4
        keys = set(db.session.scalars(sa.select(Rendition.key)))
        assert set(app.extensions["storage"].keys("photos/")) == keys  # every file, no stray one
