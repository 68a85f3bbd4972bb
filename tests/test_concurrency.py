"""Twenty people posting at once: every deed lands, nothing is locked out (QUALITY P6)."""

import threading

import sqlalchemy as sa

from app.extensions import db
from app.models import Deed, Rendition, Role
from app.services import accounts
from tests.conftest import PASSWORD, deed_form, jpeg_upload

CLIENTS = 20


def test_twenty_simultaneous_uploads_all_succeed(app, world):
    with app.app_context():
        for n in range(CLIENTS):
            accounts.create_user(f"kokki{n}", PASSWORD, role=Role.EMPLOYEE)
        db.session.remove()
    clients = []
    for n in range(CLIENTS):
        client = app.test_client()
        assert client.post("/login", data={"username": f"kokki{n}", "password": PASSWORD}
                           ).status_code == 302
        clients.append(client)
    start = threading.Barrier(CLIENTS)
    statuses: list[int] = []

    def post(client, n):
        form = deed_form(world.unit_id, photo=jpeg_upload(width=640 + n, height=480),
                         description=f"Samanaikainen teko {n}")
        start.wait()
        statuses.append(client.post("/deeds/new", data=form).status_code)

    threads = [threading.Thread(target=post, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [302] * CLIENTS
    with app.app_context():
        descriptions = set(db.session.scalars(sa.select(Deed.description)))
        assert descriptions == {f"Samanaikainen teko {n}" for n in range(CLIENTS)}
        assert db.session.scalar(sa.select(sa.func.count(Rendition.id))) == CLIENTS * 4
        keys = set(db.session.scalars(sa.select(Rendition.key)))
        assert set(app.extensions["storage"].keys("photos/")) == keys  # every file, no stray one
