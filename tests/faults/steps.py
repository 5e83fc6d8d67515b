"""Small steps through the application over HTTP, shared by the fault tests."""

import re

from tests.faults.harness import Browser, form_options
from tests.faults.load import SIGNAL

TEACHER, IB, AF = "leerkracht-a1", "ib-a", "af-a"


def school_of(cluster, db: str, username: str = TEACHER) -> int:
    return cluster.sql(
        """SELECT m.school_id FROM schools_membership m JOIN accounts_user u ON u.id = m.user_id
           WHERE u.username = %s ORDER BY m.id LIMIT 1""",
        [username],
        db=db,
    )[0][0]


def open_new_case(cluster, db: str, teacher: Browser) -> int:
    """A signal about a pupil of the teacher's without an open case: a new case, in step 1."""
    school = school_of(cluster, db)
    page = teacher.get(f"/scholen/{school}/signaal/nieuw/")
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    pupils = form_options(page.text, "pupil")
    busy = {
        str(p)
        for (p,) in cluster.sql(
            "SELECT cp.pupil_id FROM cases_case_pupils cp JOIN cases_case c ON c.id = cp.case_id "
            "WHERE c.state <> 'closed'",
            db=db,
        )
    }
    free = [p for p in pupils if p not in busy]
    assert free, "a pupil without an open case"
    response = teacher.post(f"/scholen/{school}/signaal/nieuw/", {**SIGNAL, "pupil": free[0]})
    assert response.status_code == 302, response.text[:2000]
    # The case page, or the signal list offered after a quick signal (issue 15).
    return int(re.match(r"^/dossiers/(\d+)/", response.headers["Location"]).group(1))


def case_state(cluster, db: str, case: int) -> str:
    return cluster.sql("SELECT state FROM cases_case WHERE id = %s", [case], db=db)[0][0]
