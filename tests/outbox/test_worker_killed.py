"""Issue 16's second fault test: the real worker (``manage.py db_worker``, a process of its own) is killed
(SIGKILL) in the middle of a batch of mails and started again. Nothing is lost, nothing is sent twice.

The processes share a SQLite file of their own (made with ``migrate``), not the test run's database. The SMTP
server (aiosmtpd) holds each mail a moment at RCPT, so the kill falls while the worker is in the middle of handing
over a mail: that mail is not accepted (the server never got its DATA), stays queued, and its task stays "running"
— the periodic sweep (``outbox.services.requeue_lost``) gives it a new one."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.outbox.smtp import Received, SMTPServer, free_port

ROOT = Path(__file__).resolve().parents[2]
MAILS = 6


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(tmp_path):
    database = tmp_path / "outbox.sqlite3"
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert manage(env, "migrate", "--no-input").returncode == 0
    queued = manage(
        env,
        "shell",
        "-c",
        "from outbox.services import queue_mail\n"
        f"for i in range({MAILS}): queue_mail(to=f'p{{i}}@example.invalid', subject=f'mail {{i}}', body='x')",
    )
    assert queued.returncode == 0, queued.stderr

    received = Received(rcpt_delay=0.6)
    worker_args = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
    with SMTPServer(port, received):
        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "manage.py", *worker_args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_for(lambda: received.count() >= 2)
            # The second mail was accepted; its "sent" mark is committed within milliseconds; the worker is now
            # holding the third mail at RCPT. Kill it there.
            time.sleep(0.3)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        killed_at = received.count()
        assert 2 <= killed_at < MAILS

        with sqlite3.connect(database) as db:
            states = dict(db.execute("select state, count(*) from outbox_outgoingmail group by state").fetchall())
            running = db.execute(
                "select count(*) from django_tasks_database_dbtaskresult where status = 'RUNNING'"
            ).fetchone()
        assert states == {"sent": killed_at, "queued": MAILS - killed_at}
        # The task of the mail the worker was holding (none if the kill fell between two tasks): never finishes.
        (lost,) = running
        assert lost in (0, 1)

        # The periodic sweep (run now, as if its 10 minutes had passed) gives that mail a new task; the worker is
        # started again and runs the batch to the end.
        sweep = manage(
            env,
            "shell",
            "-c",
            "import datetime\nfrom outbox.services import requeue_lost\n"
            "print(requeue_lost(stale=datetime.timedelta(0)))",
        )
        assert sweep.stdout.strip().splitlines()[-1] == str(lost), sweep.stderr
        restarted = manage(env, *worker_args, "--batch")
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        subjects = sorted(str(m["Subject"]) for m in received.messages)

    assert subjects == sorted(f"mail {i}" for i in range(MAILS))  # every mail, exactly once
    with sqlite3.connect(database) as db:
        assert db.execute("select state, count(*) from outbox_outgoingmail group by state").fetchall() == [
            ("sent", MAILS)
        ]
