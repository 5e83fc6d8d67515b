"""A bounded load loop of reads and writes by the demo school's teacher, IB'er and aandachtsfunctionaris, each in a
thread of their own, against a real server. Every response is classified:

- ``ok``: 2xx or 3xx;
- ``unavailable``: the Dutch 503 (``Tijdelijk niet beschikbaar``, ``Retry-After``, no traceback);
- anything else is a ``wrong`` answer (a 500, another status, a traceback, no answer at all), kept with its details.
"""

import collections
import queue
import re
import threading
import time
from dataclasses import dataclass, field

import requests

from tests.faults.harness import Browser, form_options

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
    "categories": ["physical"],
    "items": ["physical.bruises"],
}
CONSULTATION = {
    "kind": "colleague",
    "held_on": "2026-11-03",
    "participants": "IB'er, leerkracht",
    "organisation": "",
    "question": "Hoe verder?",
    "advice": "Gesprek met ouders plannen.",
    "sharing": "internal",
    "acties-TOTAL_FORMS": "0",
    "acties-INITIAL_FORMS": "0",
}
# The case page, or the signal list offered after a quick signal (issue 15).
CASE_URL = re.compile(r"^/dossiers/(\d+)/(?:signaal/\d+/signalenlijst/)?$")


@dataclass
class Answer:
    at: float  # when the request started (time.monotonic())
    method: str
    path: str
    outcome: str  # ok, unavailable, wrong
    status: int | None
    detail: str = ""


def classify(response: requests.Response | None, error: Exception | None = None) -> tuple[str, str]:
    if response is None:
        return "wrong", f"no answer: {error!r}"
    body = response.text
    if "Traceback" in body or 'File "/' in body:
        return "wrong", "a traceback in the response"
    if response.status_code < 400:
        return "ok", ""
    if (
        response.status_code == 503
        and "Tijdelijk niet beschikbaar" in body
        and response.headers.get("Retry-After", "").isdigit()
    ):
        return "unavailable", ""
    return "wrong", f"{response.status_code}: {body[:300]}"


@dataclass
class Load:
    base: str
    school_id: int
    pupils: list[str]
    logins: dict[str, Browser]
    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    to_ib: queue.Queue = field(default_factory=queue.Queue)
    to_af: queue.Queue = field(default_factory=queue.Queue)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, browser: Browser, method: str, path: str, data: dict | None = None) -> requests.Response | None:
        started = time.monotonic()
        response, error = None, None
        try:
            response = browser.get(path, allow_redirects=True) if method == "GET" else browser.post(path, data or {})
        except requests.RequestException as exc:
            error = exc
        outcome, detail = classify(response, error)
        with self.lock:
            self.answers.append(Answer(started, method, path, outcome, getattr(response, "status_code", None), detail))
        return response if outcome == "ok" else None

    def teacher(self) -> None:
        browser, n = self.logins["teacher"], 0
        while not self.stop.is_set():
            n += 1
            self.call(browser, "GET", f"/start/{self.school_id}/teacher/")
            pupil = self.pupils[n % len(self.pupils)]
            response = self.call(
                browser, "POST", f"/scholen/{self.school_id}/signaal/nieuw/", {**SIGNAL, "pupil": pupil}
            )
            match = response is not None and CASE_URL.match(response.headers.get("Location", ""))
            if match:
                case = match.group(1)
                self.call(browser, "GET", f"/dossiers/{case}/")
                moved = self.call(
                    browser, "POST", f"/dossiers/{case}/stap/to_consulting/", {"expected_state": "signalling"}
                )
                if moved is not None:
                    self.to_ib.put(case)

    def ib(self) -> None:
        browser = self.logins["ib"]
        while not self.stop.is_set():
            self.call(browser, "GET", "/dossiers/")
            try:
                case = self.to_ib.get(timeout=0.2)
            except queue.Empty:
                continue
            self.call(browser, "GET", f"/dossiers/{case}/")
            if self.call(browser, "POST", f"/dossiers/{case}/consultatie/nieuw/", CONSULTATION) is not None:
                moved = self.call(
                    browser, "POST", f"/dossiers/{case}/stap/to_parent_talk/", {"expected_state": "consulting"}
                )
                if moved is not None:
                    self.to_af.put(case)

    def af(self) -> None:
        browser = self.logins["af"]
        while not self.stop.is_set():
            self.call(browser, "GET", f"/start/{self.school_id}/af/")
            try:
                case = self.to_af.get(timeout=0.2)
            except queue.Empty:
                continue
            # Given to a parent with parental authority when one is recorded (domain.md §9.6).
            preview = self.call(browser, "GET", f"/dossiers/{case}/uittreksel/")
            recipient = form_options(preview.text, "ontvanger")[:1] if preview is not None else []
            data = {"ontvanger": recipient[0]} if recipient else {}
            response = self.call(browser, "POST", f"/dossiers/{case}/uittreksel/vrijgeven/", data)
            if response is not None and response.headers.get("Location"):
                self.call(browser, "GET", response.headers["Location"])

    def run(self, seconds: float, during=None) -> None:
        """Run the three users for ``seconds``; ``during(load)`` runs meanwhile in this thread (the fault)."""
        threads = [threading.Thread(target=getattr(self, role), daemon=True) for role in ("teacher", "ib", "af")]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        if during is not None:
            during(self)
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        self.stop.set()
        for thread in threads:
            thread.join(timeout=40)

    def tally(self, since: float | None = None) -> dict[str, int]:
        counted = collections.Counter(a.outcome for a in self.answers if since is None or a.at >= since)
        writes = sum(
            1 for a in self.answers if a.method == "POST" and a.outcome == "ok" and (since is None or a.at >= since)
        )
        return {
            "ok": counted["ok"],
            "unavailable": counted["unavailable"],
            "wrong": counted["wrong"],
            "writes ok": writes,
        }

    def wrong(self) -> list[Answer]:
        return [a for a in self.answers if a.outcome == "wrong"]
