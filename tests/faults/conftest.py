"""The fault suite's fixtures: one throwaway PostgreSQL cluster per test process, a database migrated and loaded with
the demo data once (the template), and a fresh copy of it for each test.

The fault tests run in the PostgreSQL pass of ``make test`` (``.ci/run``: ``DATABASE_URL=postgres://… make test``)
and are skipped on SQLite. They need the PostgreSQL server binaries (``initdb``, ``pg_ctl``), which the
PostgreSQL server package installs; without them they fail and say so.
"""

import itertools
import os
import subprocess

import pytest

from tests.faults import harness

_numbers = itertools.count()


@pytest.fixture(scope="session")
def cluster():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the fault tests run in the PostgreSQL pass (DATABASE_URL=postgres://… make test)")
    cluster = harness.Cluster()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def template_db(cluster) -> str:
    """A database migrated and loaded with the demo (``load_demo``), and the static files collected (DEBUG off serves
    them from the manifest): the two run side by side."""
    cluster.sql("CREATE DATABASE demo_template")
    static_root = cluster.root / "static"
    env = harness.app_env(cluster.url("demo_template"), static_root)
    collect = subprocess.Popen(
        [str(harness.BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=harness.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    harness.manage(env, "migrate", "--no-input", "-v", "0")
    harness.manage(env, "load_demo")
    _, errors = collect.communicate(timeout=300)
    assert collect.returncode == 0, errors
    return "demo_template"


@pytest.fixture
def app_db(cluster, template_db) -> str:
    """A fresh copy of the demo database for one test; its URL."""
    name = f"faults_{os.getpid()}_{next(_numbers)}"
    cluster.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    return cluster.url(name)


@pytest.fixture
def app_env(cluster, app_db):
    def make(**extra: str) -> dict[str, str]:
        return harness.app_env(app_db, cluster.root / "static", **extra)

    return make


@pytest.fixture
def processes(tmp_path):
    """Start servers and workers through this; they are stopped when the test ends."""
    started = []

    class Processes:
        log_dir = tmp_path

        def server(self, env, **kwargs) -> harness.Server:
            server = harness.Server(env, tmp_path, **kwargs)
            started.append(server)
            return server.start()

        def worker(self, env, **kwargs) -> harness.TaskWorker:
            worker = harness.TaskWorker(env, tmp_path, **kwargs)
            started.append(worker)
            return worker

    yield Processes()
    for process in reversed(started):
        process.stop()
