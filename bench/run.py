"""The benchmark: gunicorn (4 workers, production settings) against PostgreSQL with a large board, under locust.

    make bench                      # or: .venv/bin/python bench/run.py [--duration 20] [--users 4]

1. Creates the database if it does not exist (DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/meldcode_bench), migrates it and loads the large board
   (``manage.py generate_large_board --if-missing``: a board of the same seed and sizes is reused; its signature
   is the board's name and goes into the results).
2. Logs the bench users in by writing their sessions straight into the session store (no login form: robust
   against a second factor; see ``make_session``).
3. Starts gunicorn with 4 workers and DEBUG off, then runs locust headless once per scenario — the floor (a trivial
   authenticated view, ``/gezond/``), the login page, each role's start page, the case list, a case page with
   200 entries, the PDF extract of a 50-entry case, the staff dossier of that case (issue 19) — and reads
   p50/p95/p99 and throughput from locust's CSV.
4. Prints a table with the ratios to the floor and writes ``bench/results/latest.json``.

Environment: DATABASE_URL, BENCH_SEED (1), BENCH_SCHOOLS (100), BENCH_PUPILS (30000), BENCH_CASES (20000),
BENCH_ENTRIES (300000), BENCH_PORT (8765), BENCH_WORKERS (4).
"""

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/meldcode_bench"

# Targets (issue 7): every page p95 <= 50 ms and <= 5x the floor's p95; the PDF of a 50-entry case <= 1 s.
PAGE_P95_MS = 50
PAGE_FLOOR_RATIO = 5
PDF_MS = 1000

SCENARIOS = [
    "floor",
    "login_page",
    "start_teacher",
    "start_ib",
    "start_af",
    "case_list",
    "case_list_page_5",
    "case_200_entries",
    "pdf_50_entries",
    "staff_pdf_50_entries",
]


# The POST scenarios: each releases a dossier of the 50-entry case (issue 18), which stores a job and redirects to the
# job's page (the worker renders it; bench/extract_release.py times that): where it redirects, and the form's data.
RELEASES = {
    "pdf_50_entries": ("/uittreksel/vrijgeven/", {}),
    "staff_pdf_50_entries": (
        "/dossier-medewerkers/vrijgeven/",
        {"recipient": "Inspectie van het Onderwijs", "purpose": "inspection"},
    ),
}


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DB)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",  # plain http on the loopback; production sits behind TLS
            "SECURE_COOKIES": "false",
            "MELDCODE_BASE_URL": "http://127.0.0.1",
            "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "meldcode.settings",
            # The soak's users write far more than a person does: the per-user limit on records would refuse them.
            "MELDCODE_RECORDS_PER_HOUR": "1000000",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # hand-over e-mails: kept, not sent
        }
    )
    return env


def sizes() -> dict[str, int]:
    return {
        "seed": int(os.environ.get("BENCH_SEED", 1)),
        "schools": int(os.environ.get("BENCH_SCHOOLS", 100)),
        "pupils": int(os.environ.get("BENCH_PUPILS", 30_000)),
        "cases": int(os.environ.get("BENCH_CASES", 20_000)),
        "entries": int(os.environ.get("BENCH_ENTRIES", 300_000)),
    }


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            print(f"Creating database {name}")
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def manage(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def make_session(user) -> str:
    """A logged-in session for ``user``, written straight into the session store, as ``django.contrib.auth.login``
    leaves it. With django-otp installed (a second factor for the IB'er and the aandachtsfunctionaris, issue 6),
    the session must also say that the second factor was verified: django-otp keeps the verified device's
    persistent id under the session key ``otp_device_id``; a static (backup-code) device is made for the bench
    user for that."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[1]  # ModelBackend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if apps.is_installed("django_otp.plugins.otp_static"):
        from django_otp.plugins.otp_static.models import StaticDevice

        device, _ = StaticDevice.objects.get_or_create(user=user, name="bench")
        session["otp_device_id"] = device.persistent_id  # the flag django_otp.login() would set
    session.set_expiry(24 * 3600)
    session.create()
    return session.session_key


def prepare(env: dict) -> dict:
    """Migrate, load the board, make the sessions; return what the load generator needs."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    s = sizes()
    started = time.monotonic()
    manage(
        env,
        "generate_large_board",
        "--if-missing",
        *(arg for key, value in s.items() for arg in (f"--{key}", str(value))),
    )
    generated_in = time.monotonic() - started

    import django

    django.setup()
    from django.db import connection

    from cases.models import Case
    from demo import largeboard

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        pg_version = cur.fetchone()[0]
    targets = pages_and_sessions()
    school_id = targets.pop("school_id")
    return {
        "dataset": largeboard.existing_signature(),
        "dataset_seconds": round(generated_in, 1),
        "postgres": pg_version,
        **targets,
        "counts": {
            "cases": Case.objects.count(),
            "cases_at_school_001": Case.objects.filter(school_id=school_id).count(),
        },
    }


def pages_and_sessions() -> dict:
    """The benchmark's pages (school 001's start pages, the case with 200 items, the release of the 50-item case)
    and a fresh session for each bench user; also used by ``bench/profile_page.py``."""
    from django.urls import reverse

    from accounts.models import User
    from cases.models import Case
    from demo import largeboard
    from schools.models import Role, School

    school = School.objects.get(board__name=largeboard.existing_signature(), name__endswith=" 001")
    users = {
        "teacher": User.objects.get(username="s001-leerkracht-g1"),
        "ib": User.objects.get(username="s001-ib"),
        "af": User.objects.get(username="s001-af"),
    }
    case_200 = Case.objects.get(school=school, reference="PROEF-200")
    case_50 = Case.objects.get(school=school, reference="PROEF-050")
    return {
        "school_id": school.pk,
        "sessions": {name: make_session(user) for name, user in users.items()},
        "start_teacher": reverse("start", kwargs={"school_id": school.pk, "role": Role.TEACHER}),
        "start_ib": reverse("start", kwargs={"school_id": school.pk, "role": Role.IB}),
        "start_af": reverse("start", kwargs={"school_id": school.pk, "role": Role.AF}),
        "case_200": reverse("cases:case-detail", kwargs={"pk": case_200.pk}),
        "pdf_50": reverse("dossier:extract-release", kwargs={"pk": case_50.pk}),
        "staff_pdf_50": reverse("dossier:staff-release", kwargs={"pk": case_50.pk}),
    }


def soak_targets() -> dict:
    """The soak's users (school 002: school 001's pages stay as the benchmark measures them), the teacher's pupils
    and a few case pages, with a fresh session for each user."""
    from django.urls import reverse

    from accounts.models import User
    from cases.models import Case
    from demo import largeboard
    from schools.models import Pupil, Role, School

    school = School.objects.get(board__name=largeboard.existing_signature(), name__endswith=" 002")
    users = {
        "teacher": User.objects.get(username="s002-leerkracht-g1"),
        "ib": User.objects.get(username="s002-ib"),
        "af": User.objects.get(username="s002-af"),
    }
    pupils = list(Pupil.objects.filter(class_group__teachers=users["teacher"]).values_list("pk", flat=True))
    cases = Case.objects.filter(school=school).order_by("pk").values_list("pk", flat=True)[:20]
    return {
        "school_id": school.pk,
        "sessions": {name: make_session(user) for name, user in users.items()},
        "start_teacher": reverse("start", kwargs={"school_id": school.pk, "role": Role.TEACHER}),
        "start_ib": reverse("start", kwargs={"school_id": school.pk, "role": Role.IB}),
        "start_af": reverse("start", kwargs={"school_id": school.pk, "role": Role.AF}),
        "pupils": pupils,
        "case_pages": [reverse("cases:case-detail", kwargs={"pk": pk}) for pk in cases],
    }


def database_stats(url: str) -> dict:
    """The database's size, its connections (other than this one), and its deadlocks so far."""
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/"),
    )
    with conn.cursor() as cur:
        cur.execute(
            """SELECT pg_database_size(current_database()),
                      (SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()),
                      (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database())"""
        )
        size, connections, deadlocks = cur.fetchone()
    conn.close()
    return {"size_mb": round(size / 1024 / 1024, 1), "connections": connections, "deadlocks": deadlocks}


def run_soak(env: dict, targets: dict, port: int, users: int, seconds: int, floor: dict) -> dict:
    """The soak: every role's pages mixed with writes (bench/soak_locustfile.py), ``users`` at once for ``seconds``."""
    before = database_stats(env["DATABASE_URL"])
    with tempfile.TemporaryDirectory() as tmp, open(RESULTS / "locust.log", "a") as locust_log:
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "soak_locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "30",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "--csv",
                f"{tmp}/soak",
            ],
            env={**env, "BENCH_TARGETS": json.dumps(targets)},
            check=False,  # locust exits 1 when a request failed: the failures are read from its CSV below
            stdout=locust_log,
            stderr=subprocess.STDOUT,
        )
        with open(f"{tmp}/soak_stats.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        with open(f"{tmp}/soak_failures.csv", newline="") as f:
            failures = [
                {"name": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])} for r in csv.DictReader(f)
            ]
    after = database_stats(env["DATABASE_URL"])
    pages = {}
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        p95 = float(row["95%"])
        write = row["Name"].endswith("(POST)")
        misses = []
        if not write and p95 > PAGE_P95_MS:
            misses.append(f"p95 > {PAGE_P95_MS} ms")
        if not write and p95 > PAGE_FLOOR_RATIO * floor["p95_ms"]:
            misses.append(f"> {PAGE_FLOOR_RATIO}x floor")
        pages[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": p95,
            "p99_ms": float(row["99%"]),
            "p95_ratio": round(p95 / floor["p95_ms"], 1) if floor["p95_ms"] else None,
            "verdict": "(a write)" if write else ("ok" if not misses else "MISSED (" + ", ".join(misses) + ")"),
        }
    total = next((r for r in rows if r["Name"] == "Aggregated"), {})
    return {
        "users": users,
        "seconds": seconds,
        "requests": int(total.get("Request Count", 0)),
        "errors": sum(p["failures"] for p in pages.values()),
        "failures": failures,
        "deadlocks": after["deadlocks"] - before["deadlocks"],
        "database_before": before,
        "database_after": after,
        "floor_p95_ms": floor["p95_ms"],
        "pages": pages,
    }


def soak_table(soak: dict) -> str:
    lines = [
        f"soak: {soak['users']} users, {soak['seconds']} s, {soak['requests']} requests, "
        f"{soak['errors']} errors, {soak['deadlocks']} deadlocks; floor p95 {soak['floor_p95_ms']:.0f} ms",
        f"{'page':<44} {'req':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'p95/floor':>9}  target",
    ]
    for name, p in sorted(soak["pages"].items()):
        lines.append(
            f"{name:<44} {p['requests']:>6} {p['p50_ms']:>7.0f} {p['p95_ms']:>7.0f} {p['p99_ms']:>7.0f} "
            f"{p['p95_ratio']:>9}  {p['verdict']}" + (f"  [{p['failures']} failures]" if p["failures"] else "")
        )
    b, a = soak["database_before"], soak["database_after"]
    lines.append(
        f"database: {b['size_mb']} MB -> {a['size_mb']} MB; connections {b['connections']} -> {a['connections']}; "
        f"deadlocks during the soak: {soak['deadlocks']}"
    )
    for failure in soak["failures"]:
        lines.append(f"  failure: {failure['count']}x {failure['name']}: {failure['error'][:200]}")
    return "\n".join(lines)


def start_server(env: dict, port: int, workers: int, log) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "meldcode.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/inloggen/", timeout=10)  # noqa: S310 - loopback
            return server
        except OSError:  # refused while starting, or slow on a busy machine
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def run_scenario(name: str, env: dict, targets: dict, port: int, users: int, duration: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, open(RESULTS / "locust.log", "a") as locust_log:
        scenario_env = {**env, "BENCH_SCENARIO": name, "BENCH_TARGETS": json.dumps(targets)}
        base = [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "30",  # let the requests in flight finish, so that slow ones are counted too
        ]
        # Warm-up (not measured): every worker has its connections, templates and caches ready.
        subprocess.run(
            [*base, "-u", str(users), "-r", str(users), "-t", "3s"],
            env=scenario_env,
            check=True,
            stdout=locust_log,
            stderr=subprocess.STDOUT,
        )
        load_before = os.getloadavg()[0]
        subprocess.run(
            [*base, "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--csv", f"{tmp}/run"],
            env=scenario_env,
            check=True,
            stdout=locust_log,
            stderr=subprocess.STDOUT,
        )
        with open(f"{tmp}/run_stats.csv", newline="") as f:
            row = next((r for r in csv.DictReader(f) if r["Name"] == name), None)
        if row is None:
            raise SystemExit(f"{name}: no request completed; see bench/results/locust.log")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "mean_ms": round(float(row["Average Response Time"]), 1),
        "loadavg_1min_before": round(load_before, 2),
    }


def verdict(name: str, result: dict, floor: dict) -> str:
    if name == "floor":
        return ""
    if name in RELEASES:
        return "ok" if result["p95_ms"] <= PDF_MS else f"MISSED (p95 {result['p95_ms']:.0f} ms > {PDF_MS} ms)"
    misses = []
    if result["p95_ms"] > PAGE_P95_MS:
        misses.append(f"p95 > {PAGE_P95_MS} ms")
    if result["p95_ms"] > PAGE_FLOOR_RATIO * floor["p95_ms"]:
        misses.append(f"> {PAGE_FLOOR_RATIO}x floor")
    return "ok" if not misses else "MISSED (" + ", ".join(misses) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark Meldcode at large-board size.")
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per scenario")
    parser.add_argument(
        "--users", type=int, default=2, help="simulated users per page (closed loop, no think time): 2 = one per core"
    )
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, help="run only these scenarios (the floor always)")
    parser.add_argument("--no-soak", action="store_true", help="leave out the soak (every role's pages and writes)")
    parser.add_argument("--soak-only", action="store_true", help="the floor and the soak only")
    parser.add_argument(
        "--soak-seconds",
        type=int,
        default=int(os.environ.get("BENCH_SOAK_SECONDS", 300)),
        help="length of the soak (default 300, or BENCH_SOAK_SECONDS)",
    )
    parser.add_argument("--soak-users", type=int, default=8, help="concurrent users in the soak (default 8)")
    args = parser.parse_args()
    port = int(os.environ.get("BENCH_PORT", 8765))
    workers = int(os.environ.get("BENCH_WORKERS", 4))

    env = bench_env()
    import ctypes.util

    if ctypes.util.find_library("harfbuzz-subset") is None:
        print(
            "WARNING: libharfbuzz-subset is missing (apt-get install libharfbuzz-subset0): WeasyPrint falls back to a "
            "much slower font subsetting, and the PDF figures will not be comparable."
        )
    ensure_database(env["DATABASE_URL"])
    targets = prepare(env)
    scenarios = ["floor"] if args.soak_only else ["floor", *(s for s in (args.only or SCENARIOS) if s != "floor")]
    soak = None
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = open(RESULTS / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = start_server(env, port, workers, log)
    results = {}
    try:
        for name in scenarios:
            print(f"  {name} ...", flush=True)
            # The PDF is measured one at a time: its latency, not the queue behind a CPU-bound render.
            users = 1 if name in RELEASES else args.users
            results[name] = run_scenario(name, env, targets, port, users, args.duration)
            results[name]["users"] = users
        if not args.no_soak:
            print(f"  soak ({args.soak_users} users, {args.soak_seconds} s) ...", flush=True)
            soak = run_soak(env, soak_targets(), port, args.soak_users, args.soak_seconds, results["floor"])
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    floor = results["floor"]
    lines = [
        f"{'scenario':<18} {'req':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'p50/floor':>9} {'p95/floor':>9}  target",
    ]
    for name, r in results.items():
        r["p50_ratio"] = round(r["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
        r["p95_ratio"] = round(r["p95_ms"] / floor["p95_ms"], 1) if floor["p95_ms"] else None
        r["verdict"] = verdict(name, r, floor)
        lines.append(
            f"{name:<18} {r['requests']:>6} {r['rps']:>7.1f} {r['p50_ms']:>7.0f} {r['p95_ms']:>7.0f} "
            f"{r['p99_ms']:>7.0f} {r['p50_ratio']:>9} {r['p95_ratio']:>9}  {r['verdict']}"
            + (f"  [{r['failures']} failures]" if r["failures"] else "")
        )
    table = "\n".join(lines)
    print()
    print(table)
    if soak is not None:
        soak["table"] = soak_table(soak)
        print()
        print(soak["table"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "postgres": targets["postgres"],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine,
        "server": {"gunicorn_workers": workers, "debug": False},
        "load": {"users": args.users, "duration_s": args.duration, "tool": "locust (headless, closed loop)"},
        "dataset": {k: targets[k] for k in ("dataset", "dataset_seconds", "counts")},
        "targets": {"page_p95_ms": PAGE_P95_MS, "page_floor_ratio": PAGE_FLOOR_RATIO, "pdf_ms": PDF_MS},
        "results": results,
        "table": table,
        "soak": soak,
    }
    # The soak alone does not replace the last full run's figures.
    written = RESULTS / ("soak.json" if args.soak_only else "latest.json")
    written.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {written.relative_to(ROOT)}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
