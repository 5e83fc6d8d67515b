"""The start page's lists stop after 10 cases and link to the whole list on the case list, which pages through it
with the filter kept; both pages stay accessible (axe)."""

import re

from playwright.sync_api import expect

from accounts.models import User
from cases import selectors
from schools.models import ClassGroup, Membership, Role
from tests import factories
from tests.browser.conftest import assert_accessible, login


def thirty_cases_waiting_for_the_ib() -> tuple[User, int]:
    """Thirty new cases at the demo IB'er's school, opened by a teacher of that school (step 1: waiting for the
    IB'er). Returns the IB'er and how many cases wait for them in all."""
    ib = User.objects.get(username="ib-a")
    school_id = Membership.objects.get(user=ib, role=Role.IB).school_id
    group = ClassGroup.objects.filter(school_id=school_id, teachers__isnull=False).first()
    teacher = group.teachers.first()
    for _ in range(30):
        factories.open_case(teacher, factories.PupilFactory(class_group=group))
    return ib, selectors.cases_needing_action(user=ib, school_id=school_id, role=Role.IB).count()


def test_the_start_page_shows_10_waiting_cases_and_links_to_all_of_them(page, demo_data, axe):
    _ib, total = thirty_cases_waiting_for_the_ib()
    assert total > 25
    login(page, "ib-a")
    waiting = page.locator("table").filter(has_text="Wacht nu op u").locator("tbody tr")
    expect(waiting).to_have_count(10)
    expect(page.get_by_text(f"De eerste 10 van {total} dossiers staan hier.")).to_be_visible()
    assert_accessible(axe, page)

    page.get_by_role("link", name=f"Alle {total} dossiers van deze lijst").click()
    expect(page).to_have_url(re.compile(r"/dossiers/\?school=\d+&actie=ib$"))
    expect(page.locator("main table caption")).to_contain_text(
        "die uw actie als intern begeleider vragen, meest dringend eerst"
    )
    expect(page.get_by_role("link", name="Toon alle dossiers die u mag inzien")).to_be_visible()
    expect(page.locator("main table tbody tr")).to_have_count(25)
    assert_accessible(axe, page)

    page.get_by_role("link", name="volgende").click()
    expect(page).to_have_url(re.compile(r"actie=ib&pagina=2$"))
    expect(page.locator("main table tbody tr")).to_have_count(total - 25)
    assert_accessible(axe, page)
