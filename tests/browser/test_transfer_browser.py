"""A case that moves with its pupil to another school of the same board (issue 19), in Chromium with the demo data:
the aandachtsfunctionaris of school A hands the case to school B; the aandachtsfunctionaris of school B finds it on
the school's transfers page, takes the pupil's record over and accepts; the case is then school B's, and school A's
aandachtsfunctionaris gets "not found" on it but still sees that it was transferred. Every page passes axe-core."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseTransfer, Route
from schools.models import Membership, Role
from tests.browser.conftest import assert_accessible, login
from tests.cases.test_guards import nl

pytestmark = pytest.mark.browser


def fits_375(page) -> None:
    """At 375 px wide nothing in the page's main part reaches past the window's edge. (The site's navigation, in
    ``templates/base.html``, is checked by the pages that own it; at the time of writing it reaches 391 px.)"""
    page.set_viewport_size({"width": 375, "height": 800})
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    assert wide == []


def test_af_hands_a_case_to_another_school_of_the_board(page, browser, live_server, demo_data, axe):
    school_a = Membership.objects.get(user__username="af-a", role=Role.AF).school
    school_b = Membership.objects.get(user__username="af-b", role=Role.AF).school
    assert school_a.board_id == school_b.board_id
    case = Case.objects.filter(school=school_a, route=Route.A).order_by("pk").first()
    pupils = list(case.pupils.all())

    # School A's aandachtsfunctionaris asks school B to take the case over.
    login(page, "af-a")
    page.goto(f"/dossiers/{case.pk}/")
    page.get_by_role("link", name=nl("Transfer the case to another school")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Transfer the case to another school"))
    assert_accessible(axe, page)
    fits_375(page)
    page.get_by_label(nl("to a school of our board: the case moves along")).check()
    page.get_by_label(nl("school of our board"), exact=True).select_option(label=school_b.name)
    page.get_by_label(nl("the parents were informed of the transfer on")).fill("2026-11-20")
    page.get_by_role("button", name=nl("Transfer the case")).click()
    expect(page.locator(".messages")).to_contain_text(school_b.name)
    assert_accessible(axe, page)
    moved = CaseTransfer.objects.get(case=case)
    assert moved.state == "requested"

    # School B's aandachtsfunctionaris finds it waiting and accepts, taking the pupil's record over by hand.
    other = browser.new_context(base_url=live_server.url, locale="en-US")
    page_b = other.new_page()
    page_b.set_default_timeout(10_000)
    login(page_b, "af-b")
    page_b.goto(f"/scholen/{school_b.pk}/overdrachten/")
    assert_accessible(axe, page_b)
    page_b.locator("li.transfer-incoming a").click()
    assert_accessible(axe, page_b)
    fits_375(page_b)
    for i, pupil in enumerate(pupils):
        page_b.locator(f'input[name="pupil-{pupil.pk}"][value="copy"]').check()
        page_b.locator(f'input[name="number-{pupil.pk}"]').fill(f"B-OVER-{i}")
    page_b.get_by_role("button", name=nl("Take the case over")).click()
    expect(page_b.locator(".messages")).to_contain_text(nl("The case has been taken over by your school."))
    expect(page_b.get_by_role("heading", level=1)).to_contain_text(case.reference)
    assert_accessible(axe, page_b)
    assert Case.objects.get(pk=case.pk).school == school_b
    other.close()

    # School A's aandachtsfunctionaris: the case is not found any more; the transfer is on the school's page.
    response = page.goto(f"/dossiers/{case.pk}/")
    assert response.status == 404
    page.goto(f"/scholen/{school_a.pk}/overdrachten/")
    expect(page.locator("tr.transfer-row")).to_contain_text(school_b.name)
    assert_accessible(axe, page)
    fits_375(page)


def test_af_previews_and_releases_the_staff_dossier(page, demo_data, axe):
    import io

    from pypdf import PdfReader

    from tests.tasks import reset_mail, run_worker

    reset_mail()  # the demo's hand-over mails are sent first: the queue then holds the release only
    school_a = Membership.objects.get(user__username="af-a", role=Role.AF).school
    case = Case.objects.filter(school=school_a, route=Route.A).order_by("pk").first()
    login(page, "af-a")
    page.goto(f"/dossiers/{case.pk}/")
    page.get_by_role("link", name=nl("Staff dossier (preview and release)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Staff dossier: preview"))
    assert_accessible(axe, page)
    fits_375(page)
    # Without a recipient: a Dutch error, the choice kept.
    page.get_by_label(nl("the Inspectorate of Education")).check()
    page.get_by_role("button", name=nl("Release the staff dossier (PDF)")).click()
    expect(page.locator(".field-error")).to_contain_text("Dit veld is verplicht.")
    expect(page.get_by_label(nl("the Inspectorate of Education"))).to_be_checked()
    assert_accessible(axe, page)
    page.get_by_label(nl("for whom")).fill("Inspectie van het Onderwijs, J. Jansen")
    page.get_by_role("button", name=nl("Release the staff dossier (PDF)")).click()
    expect(page.locator("#staff-job")).to_contain_text(nl("The staff dossier is being prepared…"))
    assert_accessible(axe, page)
    assert [r.status for r in run_worker()] == ["SUCCESSFUL"]
    expect(page.locator("#staff-job")).to_contain_text(nl("The staff dossier is ready."), timeout=10_000)
    assert_accessible(axe, page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=nl("Download the staff dossier (PDF)")).click()
    with open(download_info.value.path(), "rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "vertrouwelijk — voor Inspectie van het Onderwijs, J. Jansen" in text
