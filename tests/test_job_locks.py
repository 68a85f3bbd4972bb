"""Scheduled jobs run on one server at a time: a lock row in the shared database."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import JobLock
from app.services import jobs
from app.services.errors import Refused


def test_a_second_holder_is_refused_while_the_first_runs(app):
    with app.app_context(), jobs.exclusive("retention"):
        holder = db.session.scalar(sa.select(JobLock.holder))
        with pytest.raises(Refused) as refused:
            with jobs.exclusive("retention"):
                pytest.fail("two holders of one job")
        assert refused.value.reason == "job_busy"
        assert refused.value.details["holder"] == holder
        with jobs.exclusive("storage-sweep"):  # another job is another lock
            pass
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobLock)) == 0
        with jobs.exclusive("retention"):  # released: free again
            pass


def test_a_crashed_jobs_lock_lapses(app):
    with app.app_context():
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        db.session.add(JobLock(name="retention", holder="gone:1:dead", acquired_at=long_ago,
                               expires_at=long_ago + dt.timedelta(hours=6)))
        db.session.commit()
        with jobs.exclusive("retention"):
            assert db.session.scalar(sa.select(JobLock.holder)) != "gone:1:dead"


def test_racing_servers_get_one_lock(app):
    """Eight threads (as if eight servers' cron fired at once) try the same job."""
    ran, refused, start = [], [], threading.Barrier(8)

    def attempt():
        with app.app_context():
            start.wait()
            try:
                with jobs.exclusive("backup"):
                    ran.append(1)
                    threading.Event().wait(0.5)  # hold it while the others try
            except Refused:
                refused.append(1)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(ran) == 1 and len(refused) == 7


def test_the_cli_says_when_another_server_runs_the_job(app, runner):
    with app.app_context(), jobs.exclusive("retention"):
        result = runner.invoke(args=["retention", "run"])
        assert result.exit_code == 1
        assert "on jo käynnissä" in result.output
        dry = runner.invoke(args=["retention", "run", "--dry-run"])  # reads only: no lock
        assert dry.exit_code == 0
        swept = runner.invoke(args=["storage", "check", "--fix"])
        assert swept.exit_code == 0  # a different job
