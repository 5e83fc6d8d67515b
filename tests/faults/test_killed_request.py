"""A request killed mid-transaction: the gunicorn worker that is firing a step change is killed (SIGKILL) while the
change is half-done inside its transaction. Nothing of it is stored, the case's row lock is gone, and the step can
be fired again. The protection: every write is one transaction (``cases.services.transitions``: the case's update,
the step change and the audit row commit together or not at all)."""

import os
import signal
import threading
import time

import pytest
import requests

from tests.faults import integrity
from tests.faults.harness import Browser
from tests.faults.steps import TEACHER, case_state, open_new_case

pytestmark = pytest.mark.postgres

# The step change sleeps inside its transaction, after the case's row was updated and before its Transition row is
# written: a trigger made by the test on the throwaway database only (nothing in the application waits).
SLOW = """
CREATE FUNCTION fault_slow_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(4); RETURN NEW; END $$;
CREATE TRIGGER fault_slow_transition BEFORE INSERT ON cases_transition
FOR EACH ROW EXECUTE FUNCTION fault_slow_transition();
"""


def test_a_worker_killed_during_a_step_change_leaves_nothing_half_stored(cluster, app_db, app_env, processes):
    db = app_db.rsplit("/", 1)[1]
    server = processes.server(app_env(), workers=1)
    teacher = Browser(server.base).login(TEACHER)
    case = open_new_case(cluster, db, teacher)
    before = integrity.counts(cluster, db)
    cluster.sql(SLOW, db=db)
    [worker] = server.worker_pids()

    answer = {}

    def fire():
        try:
            answer["response"] = teacher.post(f"/dossiers/{case}/stap/to_consulting/", {"expected_state": "signalling"})
        except requests.RequestException as exc:
            answer["error"] = exc

    thread = threading.Thread(target=fire)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # until the transition's transaction is in the trigger's sleep
        waiting = cluster.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND query LIKE 'INSERT INTO \"cases_transition\"%%'",
            [db],
            db=db,
        )[0][0]
        if waiting:
            break
        time.sleep(0.05)
    assert waiting, "the step change reached its Transition row"
    # Inside the transaction, the case's row is already updated (seen by nobody else yet).
    os.kill(worker, signal.SIGKILL)
    thread.join(timeout=30)
    assert "response" not in answer, "the killed worker sent no answer"

    # The database notices the lost client once the sleep is over and rolls the transaction back.
    cluster.sql("DROP TRIGGER fault_slow_transition ON cases_transition", db=db)
    deadline = time.monotonic() + 20
    while (
        time.monotonic() < deadline
        and cluster.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state LIKE 'idle in transaction%%'",
            [db],
            db=db,
        )[0][0]
    ):
        time.sleep(0.2)
    assert case_state(cluster, db, case) == "signalling"
    assert integrity.counts(cluster, db) == before, "nothing of the step change was stored"
    assert integrity.violations(cluster, db) == {}

    # gunicorn has started a new worker; the case's lock is gone and the step can be fired again.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.worker_pids() in ([], [worker]):
        time.sleep(0.2)
    response = teacher.post(f"/dossiers/{case}/stap/to_consulting/", {"expected_state": "signalling"})
    assert response.status_code == 302
    assert case_state(cluster, db, case) == "consulting"
    after = integrity.counts(cluster, db)
    assert (after["transitions"], after["audit rows"]) == (before["transitions"] + 1, before["audit rows"] + 1)
    assert integrity.violations(cluster, db) == {}
    print(f"\nKilled mid-transaction: worker {worker}; records before {before}, after the retry {after}")
