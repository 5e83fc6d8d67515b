"""The soak (``bench/run.py --soak``): the pages of every role mixed with writes, for minutes on end.

Three kinds of user at school 002 of the large board (school 001 keeps the benchmark's pages comparable between
runs): teachers, IB'ers and aandachtsfunctionarissen, in the ratio 3:3:2 (8 users: 3, 3 and 2). Each reads its
pages and writes as a person would, without think time:

- the teacher: their start page; a new signal about a pupil of their group (a new case, or added to the pupil's open
  case); the case page; the step to consultation (step 2);
- the IB'er: their start page, the case list; a consultation on a case the teachers moved to step 2, then the step to
  the conversation with the parents (step 3); the case page;
- the aandachtsfunctionaris: their start page, the case list, a case page, page 2 of the case list.

Cases pass from the teachers to the IB'ers through a queue in this process (locust's users are greenlets of one
process). Every answer other than the expected status counts as an error.

BENCH_TARGETS  JSON written by run.py (``soak_targets``): sessions, school, pupils, a few existing case pages.
"""

import collections
import itertools
import json
import os
import re

from locust import FastHttpUser, constant, task

TARGETS = json.loads(os.environ.get("BENCH_TARGETS", "{}"))
CSRF = "benchcsrftoken0123456789abcdefgh"
SIGNAL = {
    "route": "A",
    "observed_on": "2026-11-02",
    "observed_time": "",
    "place": "speelplein",
    "situation": "kleine pauze",
    "others_present": "A.B.",
    "kind": "fact",
    "description": "Blauwe plek van ongeveer 4 cm op de linkeronderarm.",
    "frequency": "once",
    "frequency_count": "",
    "source": "own",
    "categories": "physical",
    "items": "physical.bruises",
}
CONSULTATION = {
    "kind": "colleague",
    "held_on": "2026-11-03",
    "participants": "IB'er, leerkracht",
    "organisation": "",
    "question": "Hoe verder?",
    "advice": "Gesprek met ouders plannen.",
    "acties-TOTAL_FORMS": "0",
    "acties-INITIAL_FORMS": "0",
}
CASE_URL = re.compile(r"^/dossiers/(\d+)/$")
in_consultation: collections.deque = collections.deque(maxlen=500)  # cases the teachers moved to step 2
pupils = itertools.cycle(TARGETS.get("pupils", [0]))
case_pages = itertools.cycle(TARGETS.get("case_pages", ["/dossiers/"]))


class SoakUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    role = ""

    def on_start(self):
        self.cookie = f"csrftoken={CSRF}; sessionid={TARGETS['sessions'][self.role]}"

    def page(self, path: str, name: str) -> str:
        with self.client.get(
            path, headers={"Cookie": self.cookie}, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return ""
            return response.text or ""

    def write(self, path: str, data: dict, name: str, ok=lambda location: True) -> str | None:
        headers = {
            "Cookie": self.cookie,
            "X-CSRFToken": CSRF,
            "Referer": self.host + path,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        with self.client.post(
            path, data=data, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not ok(location):
                response.failure(f"status {response.status_code} {location}")
                return None
            return location


class Teacher(SoakUser):
    weight = 3
    role = "teacher"

    @task
    def work(self):
        school = TARGETS["school_id"]
        self.page(TARGETS["start_teacher"], "soak: start page (teacher)")
        location = self.write(
            f"/scholen/{school}/signaal/nieuw/",
            {**SIGNAL, "pupil": str(next(pupils))},
            "soak: new signal (POST)",
            ok=lambda location: CASE_URL.match(location) is not None,
        )
        if location:
            case = CASE_URL.match(location).group(1)
            step_2 = f"/dossiers/{case}/stap/to_consulting/"
            # The pupils come round again: a signal for a pupil whose case has moved on joins that case, and then
            # step 2 is not offered (the application refuses it with 403). Hand over only what the page offers.
            if step_2 in self.page(location, "soak: case page"):
                moved = self.write(step_2, {"expected_state": "signalling"}, "soak: step 2 (POST)")
                if moved:
                    in_consultation.append(case)


class IB(SoakUser):
    weight = 3
    role = "ib"

    @task
    def work(self):
        self.page(TARGETS["start_ib"], "soak: start page (IB'er)")
        self.page("/dossiers/", "soak: case list")
        if not in_consultation:
            return
        case = in_consultation.popleft()
        if self.write(f"/dossiers/{case}/consultatie/nieuw/", CONSULTATION, "soak: consultation (POST)"):
            self.write(
                f"/dossiers/{case}/stap/to_parent_talk/", {"expected_state": "consulting"}, "soak: step 3 (POST)"
            )
        self.page(f"/dossiers/{case}/", "soak: case page")


class AF(SoakUser):
    weight = 2
    role = "af"

    @task
    def work(self):
        self.page(TARGETS["start_af"], "soak: start page (aandachtsfunctionaris)")
        self.page("/dossiers/", "soak: case list")
        self.page(next(case_pages), "soak: case page")
        self.page("/dossiers/?pagina=2", "soak: case list page 2")
