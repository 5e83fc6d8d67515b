"""Issue 16: a teacher's emergency proposal stands at the top of every page of the school's aandachtsfunctionaris and
IB'er; the aandachtsfunctionaris acknowledges it with a button that works without JavaScript. Accessible (axe), and
at 375 px without sideways scrolling, with a button large enough to tap."""

from playwright.sync_api import expect

from cases import permissions, services
from cases.models import Alert, Case, EmergencyProposal
from tests.browser.conftest import assert_accessible, login

HEADING = "Spoed: vraagt nu aandacht"
BUTTON = "Gezien, ik pak het op"


def a_teachers_proposal() -> Case:
    case = (
        Case.objects.filter(school__brin="99XA", state="consulting", opened_by__memberships__role="teacher")
        .order_by("pk")
        .first()
    )
    services.entry_record(
        user=case.opened_by,
        case=case,
        entry=EmergencyProposal(justification="Het kind durft niet naar huis."),
        permission=permissions.PROPOSE_EMERGENCY,
    )
    return case


def test_the_af_sees_the_alert_on_every_page(page, demo_data, axe):
    case = a_teachers_proposal()
    page.set_viewport_size({"width": 375, "height": 812})
    login(page, "af-a")
    banner = page.locator("section.urgent-alerts")
    expect(banner.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(banner.get_by_role("link", name=str(case.reference), exact=False)).to_be_visible()
    # The banner fits at 375 px: nothing in it sticks out. (The start page's case tables are wider than that; they
    # are not part of this.)
    fits = banner.evaluate(
        "b => b.scrollWidth <= b.clientWidth && b.getBoundingClientRect().right <= window.innerWidth"
        " && [...b.querySelectorAll('*')].every(e => e.getBoundingClientRect().right <= window.innerWidth)"
    )
    assert fits
    box = banner.get_by_role("button", name=BUTTON).bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    assert_accessible(axe, page)

    page.goto("/dossiers/")  # on every page
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    assert_accessible(axe, page)


def test_the_af_acknowledges_without_javascript(browser, live_server, demo_data):
    case = a_teachers_proposal()
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, "af-a")
        page.get_by_role("button", name=BUTTON).click()  # a plain form
        page.wait_for_url(f"**/dossiers/{case.pk}/")
        expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)
    finally:
        context.close()
    assert Alert.objects.get(case=case).acknowledged_by.username == "af-a"


def test_the_ib_sees_the_alert_without_the_button(page, demo_data, axe):
    a_teachers_proposal()
    login(page, "ib-a")
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(page.get_by_role("button", name=BUTTON)).to_have_count(0)
    assert_accessible(axe, page)
