"""The storage full when a parent extract is stored: a clear Dutch error on the job's page, no release without its
PDF, and the next try succeeds once there is room again.

Where the PDF's bytes go: WeasyPrint renders the PDF in memory (it writes a temporary folder only for fonts of an
``@font-face`` rule, which the extract does not have), and the PDF is stored in PostgreSQL with its release
(``ExtractRelease.pdf``). So the storage that can be full or read-only is the database's: here the release table is
moved to a tablespace on a tiny tmpfs that is then filled up (a real "No space left on device"); where mounting is
not allowed, a trigger raises PostgreSQL's own ``disk_full`` error instead. The task worker runs with ``TMPDIR``
pointing at a file, so that any temporary file it tried to make would fail: it needs none.

The protection: ``dossier.services.extract_job_run`` stores the release and the PDF in one transaction and, when
that fails, marks the job failed with the reason (``ExtractJob.Failure.STORAGE``).
"""

import re
import shutil
import subprocess
import time

import pytest

from tests.faults import integrity
from tests.faults.harness import Browser, form_options
from tests.faults.steps import AF, TEACHER, open_new_case

pytestmark = pytest.mark.postgres

DISK_FULL_TRIGGER = """
CREATE FUNCTION fault_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
CREATE TRIGGER fault_disk_full BEFORE INSERT ON dossier_extractrelease
FOR EACH ROW EXECUTE FUNCTION fault_disk_full();
"""


class FullStorage:
    """The release table on a tablespace that has no room left."""

    def __init__(self, cluster, db: str):
        self.cluster, self.db = cluster, db
        self.mount = cluster.root / f"full-{db}"
        self.mount.mkdir()
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(self.mount)], capture_output=True
        )
        self.real = mounted.returncode == 0
        if self.real:
            shutil.chown(self.mount, "postgres", "postgres")
            cluster.sql(f"CREATE TABLESPACE full_{db} LOCATION '{self.mount}'")
            cluster.sql(f"ALTER TABLE dossier_extractrelease SET TABLESPACE full_{db}", db=db)
            filler = self.mount / "filler"
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)  # until it is full
        else:
            cluster.sql(DISK_FULL_TRIGGER, db=db)

    def free(self):
        if self.real:
            (self.mount / "filler").unlink()
        else:
            self.cluster.sql("DROP TRIGGER fault_disk_full ON dossier_extractrelease", db=self.db)

    def remove(self):
        if self.real:
            self.cluster.sql("ALTER TABLE dossier_extractrelease SET TABLESPACE pg_default", db=self.db)
            self.cluster.sql(f"DROP TABLESPACE full_{self.db}")
            subprocess.run(["umount", str(self.mount)], capture_output=True)


def wait_for_job(cluster, db: str, job: int) -> tuple[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state, failure = cluster.sql("SELECT state, failure FROM dossier_extractjob WHERE id = %s", [job], db=db)[0]
        if state != "preparing":
            return state, failure
        time.sleep(0.3)
    return state, failure


def release(af: Browser, case: int) -> tuple[str, int]:
    # Given to a parent with parental authority when one is recorded (domain.md §9.6).
    recipient = form_options(af.get(f"/dossiers/{case}/uittreksel/").text, "ontvanger")[:1]
    response = af.post(f"/dossiers/{case}/uittreksel/vrijgeven/", {"ontvanger": recipient[0]} if recipient else {})
    assert response.status_code == 302, response.text[:2000]
    job_page = response.headers["Location"]
    return job_page, int(re.search(r"/(\d+)/$", job_page).group(1))


def test_a_full_storage_fails_the_release_with_a_dutch_error_and_stores_nothing(
    cluster, app_db, app_env, processes, tmp_path
):
    db = app_db.rsplit("/", 1)[1]
    env = app_env()
    server = processes.server(env, workers=1)
    not_a_folder = tmp_path / "tmp-is-a-file"
    not_a_folder.write_text("")
    processes.worker(app_env(TMPDIR=str(not_a_folder), TEMP=str(not_a_folder), TMP=str(not_a_folder)))
    teacher, af = Browser(server.base).login(TEACHER), Browser(server.base).login(AF)
    case = open_new_case(cluster, db, teacher)
    assert teacher.post(f"/dossiers/{case}/stap/to_consulting/", {"expected_state": "signalling"}).status_code == 302

    storage = FullStorage(cluster, db)
    try:
        job_page, job = release(af, case)
        assert wait_for_job(cluster, db, job) == ("failed", "storage")
        html = " ".join(af.get(job_page).text.split())
        assert (
            "Het uittreksel kon niet worden klaargemaakt: de pdf kon niet worden opgeslagen "
            "(de opslag is vol of niet beschrijfbaar)." in html
        )
        assert "Er is niets vrijgegeven." in html and "Opnieuw proberen" in html
        assert "No space" not in html and "Traceback" not in html
        assert cluster.sql("SELECT count(*) FROM dossier_extractrelease", db=db) == [(0,)]
        assert integrity.violations(cluster, db) == {}

        storage.free()
        job_page, retried = release(af, case)
        assert wait_for_job(cluster, db, retried) == ("ready", "")
        assert "Het uittreksel is klaar." in af.get(job_page).text
        assert integrity.violations(cluster, db) == {}
        print(
            f"\nStorage full ({'a full tmpfs' if storage.real else 'the disk_full error'}): job {job} failed, "
            f"job {retried} ready after freeing space; TMPDIR was a file throughout"
        )
    finally:
        storage.remove()
