"""The backup and restore procedure of deploy/README.md, done for real on PostgreSQL: the demo data is committed to
the test database, deploy/backup.sh dumps it, deploy/restore.sh restores the dump into a fresh database, and the
application then runs on the restored database: no migration is missing, the system checks pass, a teacher opens
a case page, every table holds the same rows, a case's chronology and a stored parent extract are the same, and
the chronology is still append-only (the PostgreSQL triggers came back with the dump).

PostgreSQL only (CI's PostgreSQL pass runs it); the fresh database is dropped afterwards."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from cases.models import Case
from dossier import services as dossier_services

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Backups are pg_dump's: run with DATABASE_URL=postgres://...",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash")
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40  # binary content must come back byte for byte

# Run inside `manage.py shell` against a database: what it holds, and (for the restored one) a page on it.
FINGERPRINT = r"""
import hashlib
import json
from django.apps import apps
from django.db import connection
from cases.models import Case, Transition
from dossier.models import ExtractRelease

counts = {model._meta.label: model._base_manager.count() for model in apps.get_models()}
case = Case.objects.order_by("-last_activity_at", "pk").first()
chronology = [
    [t.name, t.from_state, t.to_state, t.actor.username, t.at.isoformat(), t.reason]
    for t in Transition.objects.filter(case=case).order_by("at", "pk")
]
release = ExtractRelease.objects.exclude(pdf=None).order_by("pk").first()
result = {
    "counts": counts,
    "case": [case.reference, case.state],
    "chronology": chronology,
    "extract": release and [
        release.checksum, hashlib.sha256(bytes(release.pdf)).hexdigest(), bytes(release.pdf)[:5].decode()
    ],
}
if CHECK_APP:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.db import transaction
    from accounts.models import User

    # The chronology is still append-only: the trigger refuses an UPDATE in SQL.
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE cases_transition SET reason = 'x'")
        result["append_only"] = False
    except Exception as exc:
        result["append_only"] = "append_only" in str(exc) or "pgtrigger" in str(exc)

    setup_test_environment()
    teacher = User.objects.get(username="leerkracht-a1")
    page_case = Case.objects.filter(pupils__class_group__teachers=teacher).order_by("pk").first()
    client = Client()
    client.force_login(teacher)
    response = client.get(f"/dossiers/{page_case.pk}/")
    result["page"] = [response.status_code, page_case.reference in response.content.decode()]
    result["head"] = client.head("/").status_code
print("FINGERPRINT " + json.dumps(result, sort_keys=True))
"""


def database_url(name: str) -> str:
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def admin_sql(sql: str) -> None:
    """Run a statement on the server's maintenance database (CREATE/DROP DATABASE), with psql as an operator would."""
    subprocess.run(
        ["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={database_url('postgres')}", "-c", sql],
        check=True,
        capture_output=True,
        timeout=60,
    )


def app(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


def fingerprint(url: str, *, check_app: bool) -> dict:
    code = f"CHECK_APP = {check_app}\n{FINGERPRINT}"
    result = app(url, "shell", "--no-imports", "-c", code, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("FINGERPRINT "))
    return json.loads(line.removeprefix("FINGERPRINT "))


@pytest.fixture
def fresh_database():
    """Make an empty database (as `createdb` would) and drop it after the test: ``fresh_database("suffix")``."""
    made = []

    def make(suffix: str) -> str:
        name = f"{connection.settings_dict['NAME'][:40]}_{suffix}"
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return database_url(name)

    yield make
    for name in made:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_script(name: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BASH, str(ROOT / "deploy" / name), *args],
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def gpg_home(tmp_path):
    """A throwaway GnuPG home with one key that can encrypt (no passphrase)."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
         "--quick-gen-key", "Meldcode backup test <backup@example.invalid>", "default", "default", "never"],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    yield str(home)
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True, timeout=30)


def test_a_backup_restores_into_a_fresh_database_and_the_application_runs_on_it(fresh_database, tmp_path, gpg_home):
    call_command("load_demo", verbosity=0)  # committed: this test is transactional
    # A released parent extract: its PDF is stored in the database, so the dump holds it.
    af = User.objects.get(username="af-a")
    case = Case.objects.filter(school=af.memberships.get().school).order_by("pk").first()
    dossier_services.extract_release_record(
        user=af, case=case, generated_at=case.opened_at, checksum="c" * 64, included=1, left_out=0, pdf=PDF
    )
    source = database_url(connection.settings_dict["NAME"])
    env = {**os.environ, "DATABASE_URL": source, "BACKUP_KEEP_DAYS": "35"}
    env.pop("BACKUP_GPG_RECIPIENT", None)

    backup = run_script("backup.sh", str(tmp_path / "plain"), env=env)
    assert backup.returncode == 0, backup.stderr
    (dump,) = (tmp_path / "plain").glob("meldcode-*.dump")
    assert oct(dump.stat().st_mode & 0o777) == "0o600"  # readable by the backup's owner only
    assert not list((tmp_path / "plain").glob(".*partial*"))

    target = fresh_database("restored")
    restore = run_script("restore.sh", str(dump), target)
    assert restore.returncode == 0, restore.stderr
    # A second restore into the same (now full) database is refused.
    again = run_script("restore.sh", str(dump), target)
    assert again.returncode == 1 and "empty database" in again.stderr

    # The application on the restored database: every migration is there, the checks pass.
    assert app(target, "migrate", "--check", check=False).returncode == 0
    assert app(target, "check", "--fail-level", "WARNING", check=False).returncode == 0

    before = fingerprint(source, check_app=False)
    after = fingerprint(target, check_app=True)
    assert before["counts"]["cases.Case"] > 0 and before["chronology"]
    assert before["extract"] == ["c" * 64, hashlib.sha256(PDF).hexdigest(), "%PDF-"]
    assert after.pop("page") == [200, True]
    assert after.pop("head") == 302
    assert after.pop("append_only") is True
    # Every table holds as many rows (counted before the page above was opened), the case the same chronology.
    assert after == before

    # Encrypted to a GnuPG key: only the encrypted file is kept, and it restores the same.
    encrypted_env = {**env, "GNUPGHOME": gpg_home, "BACKUP_GPG_RECIPIENT": "backup@example.invalid"}
    backup = run_script("backup.sh", str(tmp_path / "encrypted"), env=encrypted_env)
    assert backup.returncode == 0, backup.stderr
    (encrypted,) = (tmp_path / "encrypted").iterdir()
    assert encrypted.name.endswith(".dump.gpg")
    assert not encrypted.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format starts with this
    target = fresh_database("restored_gpg")
    restore = run_script("restore.sh", str(encrypted), target, env={**os.environ, "GNUPGHOME": gpg_home})
    assert restore.returncode == 0, restore.stderr
    assert fingerprint(target, check_app=False) == before


def test_restore_refuses_without_its_arguments():
    result = subprocess.run(
        [BASH, str(ROOT / "deploy" / "restore.sh")], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2 and "usage" in result.stderr
