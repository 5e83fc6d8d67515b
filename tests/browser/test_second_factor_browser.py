"""The second factor in Chromium: a teacher of a school that requires it sets up an authenticator app (QR code
rendered on the server), sees the backup codes, logs in again with a code; a demo IB'er passes with the demo code;
the pages pass axe-core."""

import re

import pytest
from django_otp.oath import hotp
from playwright.sync_api import expect

from schools.models import School
from tests.browser.conftest import assert_accessible, enter_code, login

pytestmark = pytest.mark.browser


def _code_for_secret(secret: str) -> str:
    import base64
    import time

    key = base64.b32decode(secret.replace(" ", ""))
    return str(hotp(key, int(time.time()) // 30, digits=6)).zfill(6)


def test_a_teacher_sets_up_a_second_factor_and_uses_it(page, demo_data, axe):
    School.objects.filter(brin="99XA").update(require_second_factor_for_teachers=True)
    login(page, "leerkracht-a1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stel een tweede factor in")
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert_accessible(axe, page)
    # A wrong code: a Dutch message, the page again.
    page.get_by_label("Code uit de app").fill("000000")
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_text("Deze code klopt niet")).to_be_visible()
    assert_accessible(axe, page)
    # The key as text, as a person types it into the app.
    secret = page.locator("code.secret").inner_text()
    page.wait_for_timeout(2100)  # the wrong code makes the next try wait two seconds
    page.get_by_label("Code uit de app").fill(_code_for_secret(secret))
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw reservecodes")
    codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    assert_accessible(axe, page)
    page.get_by_role("link", name="Verder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Startpagina — leerkracht")

    # Next login: the code page; a backup code works.
    page.get_by_role("button", name="Uitloggen").click()
    login(page, "leerkracht-a1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweede factor")
    assert_accessible(axe, page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Startpagina — leerkracht")


def test_the_security_page_of_the_aandachtsfunctionaris(page, demo_data, axe):
    login(page, "af-a")
    page.get_by_role("link", name="Beveiliging").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beveiliging")
    expect(page.get_by_role("button", name="Tweede factor van Marloes Tuinstra herstellen")).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Tweede factor van Marloes Tuinstra herstellen").click()
    expect(page.get_by_text("De tweede factor van Marloes Tuinstra is hersteld")).to_be_visible()
    # ib-a now sets a second factor up again at the next login.
    page.get_by_role("button", name="Uitloggen").click()
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("ib-a")
    page.get_by_label("Wachtwoord").fill("meldcode-demo")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stel een tweede factor in")


def test_a_demo_user_passes_with_the_code_of_the_demo_secret(page, demo_data):
    login(page, "ib-b")  # enters the code of the documented secret (tests/browser/conftest.py)
    expect(page.get_by_role("heading", level=1)).to_have_text("Startpagina — intern begeleider")
    assert enter_code  # (the helper the other browser tests use)


def test_the_aandachtsfunctionaris_confirms_a_role_and_reads_the_account_log(page, demo_data, axe):
    from accounts import roles
    from accounts.models import User

    newcomer = User.objects.create_user("nieuw-a", "nieuw@example.invalid", first_name="Teun", last_name="Brouwer")
    roles.role_grant_request(
        actor=User.objects.get(username="beheerder"),
        user=newcomer,
        school=School.objects.get(brin="99XA"),
        role="teacher",
    )
    login(page, "af-a")
    page.get_by_role("link", name="Beveiliging").click()
    expect(page.get_by_role("heading", name="Rollen die op uw bevestiging wachten")).to_be_visible()
    expect(page.get_by_text("nieuw@example.invalid")).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Rol van Teun Brouwer bevestigen").click()
    expect(page.get_by_text("De rol van Teun Brouwer is bevestigd")).to_be_visible()
    page.get_by_role("link", name="Accountlogboek van Basisschool De Vlinderboom").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accountlogboek van Basisschool De Vlinderboom")
    expect(page.get_by_text("bevestigde een rol op de school")).to_be_visible()
    assert_accessible(axe, page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
