"""Real processes for the fault tests: a throwaway PostgreSQL cluster, gunicorn, the task worker, and an HTTP client
that logs in like a browser.

Nothing here touches the PostgreSQL server the rest of the suite uses: the cluster is made with ``initdb`` in a
temporary folder, listens on a free port of the loopback only, and is removed afterwards. Restarting or stopping it
breaks nobody else's tests.
"""

import base64
import contextlib
import glob
import hashlib
import hmac
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "meldcode-demo"
SECRET_KEY = "fault-tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    """The PostgreSQL server binaries (Debian keeps them out of PATH): the newest /usr/lib/postgresql/*/bin."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class Cluster:
    """A PostgreSQL cluster of its own: ``initdb`` in a temporary folder, on a free loopback port. Run as the
    ``postgres`` user when the tests run as root (``initdb`` refuses root)."""

    def __init__(self):
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("The PostgreSQL server binaries (initdb, pg_ctl) are needed: apt-get install postgresql")
        self.root = Path(tempfile.mkdtemp(prefix="meldcode-faultpg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.start()

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, cwd=self.root)

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60 "
            "-c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", action, *extra)

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def connect(self, db: str = "postgres"):
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=db)
        conn.autocommit = True
        return conn

    def sql(self, query: str, params=None, db: str = "postgres") -> list[tuple]:
        with contextlib.closing(self.connect(db)) as conn, conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def app_env(database_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    """The environment of the application's processes: production settings (DEBUG off) on the loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "MELDCODE_BASE_URL": "http://127.0.0.1",
            "STATIC_ROOT": str(static_root),
            "LOG_LEVEL": "WARNING",
            "MELDCODE_PDF_WARM_UP": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # The load loops write far more records than a person does: the per-user limit would refuse them.
            "MELDCODE_RECORDS_PER_HOUR": "1000000",
            "DJANGO_SETTINGS_MODULE": "meldcode.settings",
        }
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


class Server:
    """gunicorn (the production server) with ``workers`` sync workers on a free port."""

    def __init__(self, env: dict, log_dir: Path, *, workers: int = 2, name: str = "gunicorn"):
        self.env, self.workers, self.port = env, workers, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        self.log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "meldcode.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {self.log_text()[-3000:]}")
            try:
                if requests.get(f"{self.base}/inloggen/", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer: {self.log_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if hasattr(self, "log"):
            self.log.close()


class TaskWorker:
    """``manage.py db_worker``: renders the parent extracts. ``preexec`` runs in the child before it starts (e.g. a
    file-size limit)."""

    def __init__(self, env: dict, log_dir: Path, preexec=None):
        self.log_path = log_dir / f"db_worker-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(BIN / "python"), "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,
        )

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- Logging in -------------------------------------------------------------------------------------------------

_used_steps: dict[str, int] = {}


def totp_code(username: str) -> str:
    """A code the demo user's authenticator device accepts now (RFC 6238, the fixed demo secret), never the same
    time step twice for a user: the device accepts one step before and after the current one, each once."""
    from demo.management.commands.load_demo import DEMO_TOTP_SECRETS

    key = base64.b32decode(DEMO_TOTP_SECRETS[username])
    while True:
        now_t = int(time.time() // 30)
        t = max(now_t - 1, _used_steps.get(username, -1) + 1)
        if t <= now_t + 1:
            break
        time.sleep(1)
    _used_steps[username] = t
    digest = hmac.new(key, t.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class Browser:
    """A user's browser: cookies, the CSRF token in every form post, no redirects followed unless asked."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()

    def url(self, path: str, base: str | None = None) -> str:
        return (base or self.base) + path

    def get(self, path: str, base: str | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.session.get(self.url(path, base), timeout=30, **kwargs)

    def post(self, path: str, data: dict, base: str | None = None, **kwargs) -> requests.Response:
        if "csrftoken" not in self.session.cookies:
            self.get("/inloggen/", base=base)
        kwargs.setdefault("allow_redirects", False)
        data = {**data, "csrfmiddlewaretoken": self.session.cookies.get("csrftoken")}
        headers = {"Referer": self.url(path, base)}
        return self.session.post(self.url(path, base), data=data, headers=headers, timeout=30, **kwargs)

    def password_step(self, username: str, password: str = DEMO_PASSWORD, base: str | None = None):
        self.get("/inloggen/", base=base)
        return self.post("/inloggen/", {"username": username, "password": password}, base=base)

    def code_step(self, username: str, base: str | None = None):
        return self.post("/tweede-factor/", {"code": totp_code(username)}, base=base)

    def login(self, username: str, base: str | None = None) -> "Browser":
        response = self.password_step(username, base=base)
        assert response.status_code == 302, (username, response.status_code, response.text[:2000])
        response = self.get(response.headers["Location"], base=base)
        if response.status_code == 302 and response.headers["Location"].startswith("/tweede-factor/"):
            response = self.code_step(username, base=base)
            assert response.status_code == 302, (username, response.status_code, response.text[:2000])
            assert not response.headers["Location"].startswith("/tweede-factor/"), username
        return self


def form_options(html: str, name: str) -> list[str]:
    """The values of a ``<select name=...>``'s options (not the empty one)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(1) if select else "") if v]
