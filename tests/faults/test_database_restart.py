"""PostgreSQL restarts while users read and write: every request completes or gets the Dutch 503, nothing is
half-written, and the application recovers by itself (``CONN_HEALTH_CHECKS``), without restarting gunicorn.

The protections this proves (each was switched off once to see this test fail; docs/scale-out.md):
``meldcode.errors.server_error`` (the 503 instead of the 500 page) and ``CONN_HEALTH_CHECKS`` (without it, each
gunicorn worker's first request after the restart fails on its dead connection).
"""

import threading
import time

import pytest

from tests.faults import integrity
from tests.faults.harness import Browser, form_options
from tests.faults.load import Load

pytestmark = pytest.mark.postgres

USERS = {"teacher": "leerkracht-a1", "ib": "ib-a", "af": "af-a"}


def demo_school(cluster, db: str) -> int:
    return cluster.sql(
        """SELECT m.school_id FROM schools_membership m JOIN accounts_user u ON u.id = m.user_id
           WHERE u.username = %s AND m.role = 'teacher'""",
        [USERS["teacher"]],
        db=db,
    )[0][0]


def start_load(cluster, db: str, server) -> Load:
    school_id = demo_school(cluster, db)
    logins = {role: Browser(server.base).login(username) for role, username in USERS.items()}
    form = logins["teacher"].get(f"/scholen/{school_id}/signaal/nieuw/").text
    pupils = form_options(form, "pupil")
    assert pupils, "the demo teacher has pupils to write about"
    return Load(base=server.base, school_id=school_id, pupils=pupils, logins=logins)


class SupervisedWorker:
    """The task worker as its service manager keeps it (systemd ``Restart=always``, deploy/): ``db_worker`` exits
    when the database goes away under it, and is started again."""

    def __init__(self, processes, env):
        self.processes, self.env, self.starts = processes, env, 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            worker = self.processes.worker(self.env)
            self.starts += 1
            while worker.process.poll() is None and not self.stopping.is_set():
                time.sleep(0.2)
            if self.stopping.is_set():
                worker.stop()
                return
            time.sleep(0.5)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=30)


def wait_for_jobs(cluster, db: str, seconds: float = 45) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        preparing = cluster.sql("SELECT id FROM dossier_extractjob WHERE state = 'preparing'", db=db)
        if not preparing:
            return []
        time.sleep(0.5)
    return preparing


def test_a_database_restart_under_load(cluster, app_db, app_env, processes):
    db = app_db.rsplit("/", 1)[1]
    env = app_env()
    server = processes.server(env, workers=2)
    worker = SupervisedWorker(processes, env)
    load = start_load(cluster, db, server)
    workers_before = server.worker_pids()
    before = integrity.counts(cluster, db)
    moments = {}

    def restart(load):
        time.sleep(4)
        moments["down"] = time.monotonic()
        cluster.restart("fast")  # pg_ctl -w: returns once it accepts connections again
        moments["back"] = time.monotonic()

    load.run(12, during=restart)

    stuck = wait_for_jobs(cluster, db)
    worker.stop()
    after = integrity.counts(cluster, db)
    total, since_back = load.tally(), load.tally(since=moments["back"])
    print(
        f"\nDatabase restart under load: {total} (after the restart: {since_back}); "
        f"records before {before}, after {after}; the task worker was started {worker.starts}×; "
        f"PostgreSQL was down {moments['back'] - moments['down']:.1f} s"
    )

    assert load.wrong() == [], "every request completes or gets the Dutch 503"
    assert since_back["unavailable"] == 0 and since_back["ok"] > 10, (
        "once PostgreSQL is back, every request succeeds: the workers' connections are renewed (CONN_HEALTH_CHECKS)"
    )
    assert total["writes ok"] > 10 and after["transitions"] > before["transitions"], "the loop wrote"
    assert after["releases"] > before["releases"], "extracts were released and rendered"
    assert stuck == [], "no parent extract left being prepared"
    assert integrity.violations(cluster, db) == {}
    # A restart while nobody uses the application: each worker's kept connection is dead, and its next request
    # must not fail on it (CONN_HEALTH_CHECKS: the connection is checked before the request uses it).
    reader = load.logins["af"]
    assert reader.get("/dossiers/").status_code == 200
    cluster.restart("fast")
    after_idle_restart = [reader.get("/dossiers/").status_code for _ in range(8)]
    print(f"After a restart while idle: {after_idle_restart}")
    assert after_idle_restart == [200] * 8, "the first request of each worker after a restart succeeds"

    # Recovered by itself: the same gunicorn workers, and a new login works.
    assert server.worker_pids() == workers_before
    assert Browser(server.base).login("af-a").get("/", allow_redirects=True).status_code == 200
