"""A throwaway instance for benchmarks that need real workers: tests.cluster_support's
gunicorn() serves it with the repository's gunicorn.conf.py."""

import os
import subprocess
import sys
from pathlib import Path

PASSWORD = "kuusi-jarvea-7"
WORKERS, THREADS = 2, 4
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

SEED = """
import io, datetime as dt
from app import create_app
from app.models import Role
from app.services import accounts, deeds
from flask_migrate import upgrade
from tests.imagegen import photo_like
app = create_app()
with app.app_context():
    upgrade()
    unit = accounts.create_unit("Juvan keskuskeittiö", "Juva")
    users = [accounts.create_user(name, {password!r}, role=Role(role), default_unit_id=unit.id)
             for name, role in {users!r}]
    for n in range({deeds}):
        new = deeds.NewDeed(f"Teko {{n}}", unit.id, dt.date(2026, 6, 2), None, True)
        deeds.create_deed(users[-1], new, [io.BytesIO(photo_like(640, 480))])
    print(unit.id)
"""


def prepare(folder: Path, users: list[tuple[str, str]], deeds: int) -> tuple[dict[str, str], int]:
    """Migrate an instance in the folder with these (username, role) users and deeds by the last
    one; return gunicorn's environment and the id of the one unit."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
           "TEKOTAULU_UPLOAD_FOLDER": str(folder / "uploads"), "TEKOTAULU_SECRET_KEY": "bench",
           "TEKOTAULU_SECURE_COOKIES": "0", "TEKOTAULU_RATELIMIT_ENABLED": "0"}
    code = SEED.format(password=PASSWORD, users=users, deeds=deeds)
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=Path.cwd(),
                          capture_output=True, text=True)
    return env, int(done.stdout.strip().splitlines()[-1])


def tree_cpu_seconds(master: int) -> float:
    """CPU seconds (user + system) of the gunicorn master and its workers so far."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid, ppid = int(entry), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total
