"""Time (and optionally profile) one benchmark page in-process, without gunicorn or locust.

    .venv/bin/python bench/profile_page.py case_200_entries            # median/p95 of 30 requests and the query count
    .venv/bin/python bench/profile_page.py start_ib -n 50 --profile    # plus a pyinstrument profile of the requests

Uses the database ``make bench`` prepared (DATABASE_URL, default the bench database) and the same production
settings as the benchmark (DEBUG off). The numbers are one request at a time on an otherwise idle process (wall
time, and the CPU time of this process alone, which excludes PostgreSQL's and is less disturbed by other work on
the machine): under the
benchmark's load (2 simulated users on 2 cores shared with PostgreSQL and locust) a page takes longer. Scenarios
are the benchmark's (``bench/locustfile.py``).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402 - bench/run.py: the environment, the sessions and the targets

SESSION_OF = {
    "floor": "ib",
    "login_page": None,
    "start_teacher": "teacher",
    "start_ib": "ib",
    "start_af": "af",
    "case_list": "af",
    "case_list_page_5": "af",
    "case_200_entries": "ib",
    "pdf_50_entries": "af",
    "staff_pdf_50_entries": "af",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=run.SCENARIOS)
    parser.add_argument("-n", type=int, default=30, help="measured requests (after 3 warm-up requests)")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the measured requests")
    parser.add_argument("--queries", action="store_true", help="print the SQL of one request")
    args = parser.parse_args()

    env = run.bench_env()
    env["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    targets = run.pages_and_sessions()
    path = {
        "floor": "/gezond/",
        "login_page": "/inloggen/",
        "case_list": "/dossiers/",
        "case_list_page_5": "/dossiers/?pagina=5",
        "start_teacher": targets["start_teacher"],
        "start_ib": targets["start_ib"],
        "start_af": targets["start_af"],
        "case_200_entries": targets["case_200"],
        "pdf_50_entries": targets["pdf_50"],
        "staff_pdf_50_entries": targets["staff_pdf_50"],
    }[args.scenario]
    client = Client(enforce_csrf_checks=False)
    who = SESSION_OF[args.scenario]
    if who:
        client.cookies["sessionid"] = targets["sessions"][who]

    def hit():
        if args.scenario in run.RELEASES:  # the release stores a job and redirects to its page
            redirect, data = run.RELEASES[args.scenario]
            response = client.post(path, data)
            assert response.status_code == 302 and redirect in response["Location"], response
        else:
            response = client.get(path)
            assert response.status_code == 200, response.status_code
        return response

    for _ in range(3):
        hit()
    queries = []  # counted with a wrapper: the request_started signal empties connection.queries

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = hit()
    if args.queries:
        print("\n\n".join(f"[{i}] {sql}" for i, sql in enumerate(queries, 1)))
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    times, cpu = [], []
    for _ in range(args.n):
        started, started_cpu = time.perf_counter(), time.process_time()
        hit()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(
        f"{args.scenario}: {path}  n={args.n}  median {statistics.median(times):.1f} ms  p95 {p95:.1f} ms  "
        f"min {times[0]:.1f} ms  cpu (this process) median {statistics.median(cpu):.1f} ms  "
        f"queries {len(queries)}  bytes {len(response.content)}"
    )


if __name__ == "__main__":
    main()
