"""The error pages in Chromium: Dutch, with the layout and a way back, accessible (axe), and fine on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_page_not_found_is_dutch_accessible_and_leads_back(page, demo_data, axe):
    login(page, "leerkracht-a1")
    page.set_viewport_size({"width": 375, "height": 812})
    response = page.goto("/dossiers/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    assert _fits_the_screen(page)
    assert_accessible(axe, page)
    page.get_by_role("link", name="Terug naar de startpagina").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Startpagina — leerkracht")


def test_an_expired_form_is_explained_in_dutch_and_accessible(page, demo_data, axe):
    page.goto("/inloggen/")
    page.context.clear_cookies()  # the CSRF cookie is gone, as after a long pause or a logout in another tab
    page.get_by_label("Gebruikersnaam").fill("ib-a")
    page.get_by_label("Wachtwoord").fill("verkeerd")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Inloggen").click()
    assert posted.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Het formulier is verlopen")
    assert_accessible(axe, page)
