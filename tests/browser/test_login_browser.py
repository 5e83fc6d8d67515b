"""Each demo role logs in in Chromium, lands on its start page, and the pages pass axe-core."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def test_login_page_is_accessible_and_dutch(page, demo_data, axe):
    page.goto("/inloggen/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_accessible(axe, page)


def test_failed_login_keeps_the_username_and_explains_in_dutch(page, demo_data, axe):
    login(page, "ib-a", "verkeerd")
    expect(page.get_by_role("alert")).to_contain_text("De gebruikersnaam of het wachtwoord is niet juist")
    expect(page.get_by_label("Gebruikersnaam")).to_have_value("ib-a")
    assert_accessible(axe, page)


@pytest.mark.parametrize(
    "username,heading",
    [
        ("leerkracht-a1", "Startpagina — leerkracht"),
        ("icp-a", "Startpagina — interne contactpersoon"),
        ("ib-a", "Startpagina — intern begeleider"),
        ("af-a", "Startpagina — aandachtsfunctionaris"),
        ("af-b", "Startpagina — aandachtsfunctionaris"),
    ],
)
def test_each_demo_role_lands_on_its_start_page(page, demo_data, axe, username, heading):
    login(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(axe, page)
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def test_person_with_two_roles_chooses_and_switches(page, demo_data, axe):
    login(page, "combi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies uw rol")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Intern begeleider — Openbare Basisschool Het Zeilschip").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Startpagina — intern begeleider")


def test_the_accessibility_check_itself_finds_violations(browser, axe):
    """Guard against a silently broken checker: a page with an unlabelled field must fail."""
    page = browser.new_page()
    page.set_content('<html><body><main><input type="text"><img src="x.png"></main></body></html>')
    results = axe.run(page)
    page.close()
    assert results.violations_count >= 2
