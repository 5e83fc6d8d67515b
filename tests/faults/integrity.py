"""What must hold in the database after any fault: no record half-written."""

import io
import re

from pypdf import PdfReader

# (what must hold, a query listing what breaks it)
RULES = [
    (
        "every case is in the state its last step change led to",
        """SELECT c.id, c.state, t.to_state FROM cases_case c
           LEFT JOIN LATERAL (SELECT to_state FROM cases_transition WHERE case_id = c.id
             ORDER BY at DESC, id DESC LIMIT 1) t ON true
           WHERE t.to_state IS DISTINCT FROM c.state""",
    ),
    (
        "every opening of a case has its audit row",
        """SELECT t.id FROM cases_transition t WHERE t.name = 'open' AND NOT EXISTS (
             SELECT 1 FROM cases_auditevent a WHERE a.case_id = t.case_id AND a.action = 'create'
             AND a.target = 'case ' || t.case_id)""",
    ),
    (
        "every step change has its audit row (as many rows as changes, per case and step)",
        """SELECT t.case_id, t.from_state, t.to_state, count(*) FROM cases_transition t WHERE t.name <> 'open'
           GROUP BY 1, 2, 3
           HAVING count(*) > (SELECT count(*) FROM cases_auditevent a WHERE a.case_id = t.case_id
             AND a.action = 'transition' AND a.target = t.from_state || ' → ' || t.to_state)""",
    ),
    (
        "every case has at least its opening step change",
        "SELECT c.id FROM cases_case c WHERE NOT EXISTS (SELECT 1 FROM cases_transition t WHERE t.case_id = c.id)",
    ),
    (
        "every release has its PDF, its checksum and its audit row",
        r"""SELECT r.id FROM dossier_extractrelease r WHERE r.pdf IS NULL OR substring(r.pdf from 1 for 5) <> '%PDF-'
           OR r.checksum !~ '^[0-9a-f]{64}$' OR NOT EXISTS (SELECT 1 FROM cases_auditevent a
             WHERE a.case_id = r.case_id AND a.action = 'export'
             AND a.target = 'parent extract ' || r.id || ' ' || substring(r.checksum for 16))""",
    ),
    (
        "every release belongs to a job that is ready",
        """SELECT r.id FROM dossier_extractrelease r WHERE NOT EXISTS (
             SELECT 1 FROM dossier_extractjob j WHERE j.release_id = r.id AND j.state = 'ready')""",
    ),
    (
        "every failed job says why",
        "SELECT j.id FROM dossier_extractjob j WHERE j.state = 'failed' AND j.failure = ''",
    ),
]


def violations(cluster, db: str) -> dict[str, list]:
    found = {}
    for name, query in RULES:
        rows = cluster.sql(query, db=db)
        if rows:
            found[name] = rows[:10]
    for release_id, checksum, pdf in cluster.sql(
        "SELECT id, checksum, pdf FROM dossier_extractrelease WHERE pdf IS NOT NULL", db=db
    ):
        reader = PdfReader(io.BytesIO(bytes(pdf)))
        text = re.sub(r"\s", "", "".join(page.extract_text() for page in reader.pages[-2:]))
        if checksum not in text:
            found.setdefault("every release's PDF prints its checksum", []).append(release_id)
    return found


def counts(cluster, db: str) -> dict[str, int]:
    tables = {
        "cases": "cases_case",
        "signals": "cases_signal",
        "consultations": "cases_consultation",
        "transitions": "cases_transition",
        "audit rows": "cases_auditevent",
        "releases": "dossier_extractrelease",
        "jobs": "dossier_extractjob",
    }
    return {name: cluster.sql(f"SELECT count(*) FROM {table}", db=db)[0][0] for name, table in tables.items()}
