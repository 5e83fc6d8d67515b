"""The case page's chronology in pages, in Chromium: the newest page first, earlier pages by a link (no
JavaScript involved), everything on one page for printing; each view passes axe-core."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from cases import selectors
from cases.models import Case, CaseState, Signal
from schools.models import School
from tests import factories
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def test_a_long_chronology_is_read_page_by_page(page, demo_data, axe):
    case = Case.objects.filter(school=School.objects.order_by("pk").first(), state=CaseState.CONSULTING).first()
    teacher = User.objects.get(username="leerkracht-a1")
    for i in range(40):
        Signal.objects.create(
            case=case, author=teacher, **factories.signal_data(description=f"Waarneming in de bladertest {i}")
        )
    total = len(selectors.case_timeline(case=case))
    login(page, "ib-a")
    page.goto(f"/dossiers/{case.pk}/")
    items = page.locator("ol.timeline > li")
    expect(items).to_have_count(25)
    expect(items.last).to_contain_text("Waarneming in de bladertest 39")
    expect(page.get_by_text(f"Items {total - 24}–{total} van {total}, oudste eerst.")).to_be_visible()
    assert_accessible(axe, page)

    page.get_by_role("link", name="Eerdere items").click()
    expect(items.first).not_to_contain_text("Waarneming in de bladertest 39")
    expect(page.get_by_role("navigation", name="Pagina's van de chronologie")).to_be_visible()
    assert_accessible(axe, page)

    page.get_by_role("link", name="Alles op één pagina (om af te drukken)").first.click()
    expect(items).to_have_count(total)
    expect(page.get_by_role("link", name="De chronologie in pagina's tonen")).to_be_visible()
    assert_accessible(axe, page)
