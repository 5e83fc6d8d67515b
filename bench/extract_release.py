"""Benchmark: releasing the parent extract of a 1,000-entry case under the README's production command (issue 18).

    .venv/bin/python bench/extract_release.py [--entries 1000] [--paragraphs 2]

1. A fresh database (SQLite in a temporary folder unless DATABASE_URL is set) with the demo data, and one of its
   cases grown to ``--entries`` signals of ``--paragraphs`` paragraphs each (stored at once).
2. gunicorn exactly as the README's Production section starts it (``--workers 4``, its default 30 s timeout), DEBUG
   off; the aandachtsfunctionaris's session is written into the session store (as ``bench/run.py`` does).
3. Times the release request (POST), the worker rendering it (``manage.py db_worker --batch``: the PDF stored with
   the release), the job page, the download, and the preview page, and prints them (nothing is written to
   ``bench/results``). Not part of ``make test``.
"""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("BENCH_PORT", 8766))
CSRF = "benchcsrftoken0123456789abcdefgh"
PARAGRAPH = (
    "Bij het ophalen stond de leerling lang bij het hek te wachten en wilde niet mee naar huis; zij vertelde dat "
    "het thuis weer onrustig was geweest en dat zij 's nachts wakker lag van het geschreeuw. "
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def request(path: str, cookie: str, method: str = "GET", form: dict | None = None) -> tuple[int, dict, bytes, float]:
    headers = {"Cookie": f"csrftoken={CSRF}; sessionid={cookie}", "Host": "127.0.0.1"}
    if method == "POST":
        headers |= {"X-CSRFToken": CSRF, "Referer": f"http://127.0.0.1:{PORT}{path}"}
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = urllib.parse.urlencode(form or {}).encode() if method == "POST" else None
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", method=method, headers=headers, data=body)
    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        response = opener.open(req, timeout=120)
        status, body, response_headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, body, response_headers = error.code, error.read(), dict(error.headers)
    return status, response_headers, body, time.perf_counter() - started


def prepare(entries: int, paragraphs: int) -> dict:
    """Demo data, a case grown to ``entries`` signals, the aandachtsfunctionaris's session."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from cases.models import Case, Signal
    from schools.models import Guardian

    sys.path.insert(0, str(ROOT / "bench"))
    from run import make_session

    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_demo", verbosity=0)
    af = User.objects.get(username="af-a")
    case = Case.objects.filter(school__memberships__user=af).order_by("pk").first()
    signal = Signal.objects.filter(case=case).first()
    at = timezone.now() - datetime.timedelta(days=3)
    fields = {
        f.name: getattr(signal, f.name)
        for f in Signal._meta.concrete_fields
        if f.name not in ("id", "case", "author", "recorded_at", "corrects", "description")
    }
    Signal.objects.bulk_create(
        [
            Signal(
                case=case,
                author=signal.author,
                recorded_at=at + datetime.timedelta(seconds=i),
                description=f"Waarneming {i:04d}. " + PARAGRAPH * paragraphs,
                **fields,
            )
            for i in range(entries - Signal.objects.filter(case=case).count())
        ]
    )
    recipient = Guardian.objects.filter(pupil__cases=case, has_parental_authority=True).order_by("pk").first()
    return {
        "session": make_session(af),
        "release": reverse("dossier:extract-release", kwargs={"pk": case.pk}),
        "preview": reverse("dossier:extract-preview", kwargs={"pk": case.pk}),
        "signals": Signal.objects.filter(case=case).count(),
        # Whom the extract is given to (domain.md §9.6): a parent with parental authority, when one is recorded.
        "form": {"ontvanger": recipient.pk} if recipient is not None else {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--paragraphs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "k3y-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP",
            "ALLOWED_HOSTS": "127.0.0.1",
            "MELDCODE_BASE_URL": f"http://127.0.0.1:{PORT}",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "MELDCODE_VAR_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "meldcode.settings",
            "MELDCODE_RECORDS_PER_HOUR": "100000",
        }
        os.environ.update(env)
        # The demo loader and the session store write through the ORM of this process.
        os.environ["DEBUG"] = "true"
        data = prepare(args.entries, args.paragraphs)
        print(f"case with {data['signals']} signals ({args.paragraphs} paragraphs each)", flush=True)
        subprocess.run(
            [str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        log = open(Path(tmp) / "gunicorn.log", "w")  # noqa: SIM115 - closed below
        # The README's command (Production), on another port.
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "meldcode.wsgi", "--workers", "4", "--bind", f"127.0.0.1:{PORT}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/inloggen/", timeout=10)
                    break
                except OSError:
                    time.sleep(0.2)
            results = {}
            status, headers, _body, results["release request (POST)"] = request(
                data["release"], data["session"], "POST", data["form"]
            )
            assert status == 302, status
            job_url = headers["Location"]
            status, _h, body, results["job page, being prepared"] = request(job_url, data["session"])
            assert status == 200 and "wordt klaargemaakt" in body.decode(), status
            started = time.perf_counter()
            subprocess.run(
                [str(BIN / "python"), "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            results["worker: render and store (db_worker --batch)"] = time.perf_counter() - started
            status, _h, body, results["job page, ready"] = request(job_url, data["session"])
            html = body.decode()
            assert status == 200 and "is klaar" in html, (status, html[-2000:])
            download = re.search(r'href="([^"]+/pdf/)"', html).group(1)
            status, _h, pdf, results["download"] = request(download, data["session"])
            assert status == 200 and pdf.startswith(b"%PDF-"), status
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            status, _h, body, results["preview page"] = request(data["preview"], data["session"])
            assert status == 200, status
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    for name, seconds in results.items():
        print(f"{name:<48} {seconds:8.2f} s")
    print(f"PDF: {len(pdf) // 1024} KiB, {pages} pages; preview page: {len(body) // 1024} KiB")
    print(json.dumps({k: round(v, 3) for k, v in results.items()} | {"pages": pages}))


if __name__ == "__main__":
    main()
