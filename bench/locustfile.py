"""The benchmark's load: one scenario per locust run, chosen by the environment (see ``bench/run.py``).

BENCH_SCENARIO   the scenario's name (a key of SCENARIOS)
BENCH_TARGETS    JSON written by run.py: the session cookies of the bench users, the ids of the pages
"""

import json
import os

from locust import FastHttpUser, constant, task
from run import RELEASES  # bench/run.py (locust puts this file's folder on the path)

TARGETS = json.loads(os.environ.get("BENCH_TARGETS", "{}"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "floor")
CSRF = "benchcsrftoken0123456789abcdefgh"  # a valid unmasked secret (32 characters): cookie and header agree

# name: (method, path, which session: None for anonymous[, the POST's form data])
SCENARIOS = {
    "floor": ("GET", "/gezond/", "ib"),
    "login_page": ("GET", "/inloggen/", None),
    "start_teacher": ("GET", TARGETS.get("start_teacher", ""), "teacher"),
    "start_ib": ("GET", TARGETS.get("start_ib", ""), "ib"),
    "start_af": ("GET", TARGETS.get("start_af", ""), "af"),
    "case_list": ("GET", "/dossiers/", "af"),
    "case_list_page_5": ("GET", "/dossiers/?pagina=5", "af"),
    "case_200_entries": ("GET", TARGETS.get("case_200", ""), "ib"),
    # The releases (issue 18, issue 19: the staff dossier for a recipient and a purpose): see run.RELEASES.
    "pdf_50_entries": ("POST", TARGETS.get("pdf_50", ""), "af", RELEASES["pdf_50_entries"][1]),
    "staff_pdf_50_entries": ("POST", TARGETS.get("staff_pdf_50", ""), "af", RELEASES["staff_pdf_50_entries"][1]),
}


class BenchUser(FastHttpUser):
    """locust's geventhttpclient-based user: much less CPU per request than the requests-based HttpUser, which
    matters because the load generator shares the machine's 2 cores with gunicorn and PostgreSQL."""

    wait_time = constant(0)  # a closed loop: each simulated user sends the next request as soon as one returns

    def on_start(self):
        method, self.path, who, *data = SCENARIOS[SCENARIO]
        self.method, self.data = method, (data[0] if data else None)
        cookies = [f"csrftoken={CSRF}"]
        if who:
            cookies.append(f"sessionid={TARGETS['sessions'][who]}")
        # Sent as a header on every request: the session key does not change between requests (the server sends
        # it again with a later expiry, which a browser would store; the bench session lives for a day).
        self.headers = {"Cookie": "; ".join(cookies)}

    @task
    def hit(self):
        if self.method == "POST":
            headers = {**self.headers, "X-CSRFToken": CSRF, "Referer": self.host + self.path}
            with self.client.post(
                self.path,
                headers=headers,
                data=self.data,
                name=SCENARIO,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                # The release stores a job and enqueues its rendering (issue 18): a redirect to the job's page. The
                # render itself is measured by bench/extract_release.py.
                if response.status_code != 302 or RELEASES[SCENARIO][0] not in response.headers.get("Location", ""):
                    response.failure(f"not the release's redirect: {response.status_code}")
        else:
            with self.client.get(
                self.path, headers=self.headers, name=SCENARIO, allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
