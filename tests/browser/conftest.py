"""Browser tests: Playwright drives a real Chromium (Debian's, not a downloaded one) against the live server.

These tests never skip: without Chromium they fail and say how to install it. CI installs it (.ci/run).
"""

import os
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from demo.management.commands.load_demo import DEMO_TOTP_SECRETS
from tests.otp import next_totp_code

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run under a running loop
# unless told that this is safe, which it is here: the test thread and the server thread are ordinary threads.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEMO_PASSWORD = "meldcode-demo"


def chromium_path() -> str:
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        pytest.fail(
            "Chromium is needed for the browser tests: `make test` installs it (scripts/ensure-system-deps.sh "
            "--browser), or apt-get install -y chromium, or set CHROMIUM=/path.",
            pytrace=False,
        )
    return candidate


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def demo_data(transactional_db):
    call_command("load_demo", verbosity=0)


@pytest.fixture(scope="session")
def axe():
    return Axe()


def assert_accessible(axe, page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def login(page, username: str, password: str = DEMO_PASSWORD):
    """Log in through the real form; demo users with a second factor then enter the current code of their demo
    device (the fixed secret of ``load_demo``), as a person would from their authenticator app."""
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    if username in DEMO_TOTP_SECRETS and password == DEMO_PASSWORD:
        enter_code(page, username)


def enter_code(page, username: str):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.wait_for_url(lambda url: "/tweede-factor/" in url)
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.get_by_label("Code").fill(next_totp_code(device))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()
