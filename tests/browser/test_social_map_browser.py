"""The social map and a parents' request in Chromium with the demo data: the pages pass axe-core, the
aandachtsfunctionaris adds a partner, and the IB'er records a parents' request (the form keeps the input when a field
is missing) whose deadline then shows on the case page."""

import pytest
from playwright.sync_api import expect

from cases.models import AccessRequest, Case
from schools.models import SocialMapEntry
from tests.browser.conftest import assert_accessible, login
from tests.cases.test_guards import nl

pytestmark = pytest.mark.browser


def test_af_reads_and_extends_the_social_map(page, demo_data, axe):
    login(page, "af-a")
    page.get_by_role("link", name=nl("Social map: partners and phone numbers")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Social map"))
    expect(page.locator("table")).to_contain_text("0800-2000")
    expect(page.locator("table")).to_contain_text("Wijkteam Vlinderwijk")
    assert_accessible(axe, page)

    page.get_by_role("link", name=nl("Add an organisation")).click()
    page.locator("#id_kind").select_option("other")
    page.locator("#id_organisation").fill("Speel-o-theek De Vlinder")
    page.get_by_role("button", name=nl("Save")).click()
    # No phone, e-mail or website: the form again, in Dutch, with the input kept.
    expect(page.locator(".error-summary")).to_contain_text(
        nl("Give at least a phone number, an e-mail address or a website.")
    )
    expect(page.locator("#id_organisation")).to_have_value("Speel-o-theek De Vlinder")
    assert_accessible(axe, page)
    page.locator("#id_phone").fill("030-7654321")
    page.get_by_role("button", name=nl("Save")).click()
    expect(page.locator("table")).to_contain_text("Speel-o-theek De Vlinder")
    assert SocialMapEntry.objects.get(organisation="Speel-o-theek De Vlinder").school.brin == "99XA"


def test_ib_records_a_parents_request_and_sees_its_deadline(page, demo_data, axe):
    case = Case.objects.filter(school__brin="99XA", state="consulting").order_by("pk").first()
    guardian = case.pupils.first().guardians.order_by("pk").first()
    login(page, "ib-a")
    page.goto(f"/dossiers/{case.pk}/")
    page.get_by_role("link", name=nl("Record a request to see, copy or correct the file")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Record a parents' request"))
    assert_accessible(axe, page)
    page.get_by_label(nl("a copy of the file (afschrift)")).check()
    page.get_by_label(nl("requested by")).select_option(str(guardian.pk))
    page.get_by_label(nl("what is asked")).fill("Een kopie van het dossier, per post.")
    page.get_by_role("button", name=nl("Save")).click()
    expect(page.locator(".error-summary")).to_be_visible()  # the date of receipt is missing
    expect(page.get_by_label(nl("what is asked"))).to_have_value("Een kopie van het dossier, per post.")
    assert_accessible(axe, page)
    page.get_by_label(nl("received on")).fill("2026-11-20")
    page.get_by_role("button", name=nl("Save")).click()
    expect(page.locator("#deadlines-heading + ul")).to_contain_text(
        nl("Answer the parents' request to see, copy or correct the file (1 month)")
    )
    assert AccessRequest.objects.get(case=case).requester == guardian
    assert_accessible(axe, page)
